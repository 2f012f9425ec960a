//! Interface metadata: what handlers a process has, in a JSON form clients read.
