//! Example aoxide process: game.
