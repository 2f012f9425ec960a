//! Whole-process dispatch of the token blueprint: never panics, results are valid JSON, an
//! Error changes nothing, and the balances always add up to the supply.
#![no_main]
use aoxide_fuzz::{run, FuzzMessage, TOKEN_ACTIONS, TOKEN_TAGS};
use aoxide_token::TokenProcess;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|messages: Vec<FuzzMessage>| {
    run::<TokenProcess>(
        &messages,
        TOKEN_ACTIONS,
        TOKEN_TAGS,
        |p| format!("{:?}|{}", p.total_supply, p.balances_json()),
        |p| {
            let mut sum = aoxide::U256::ZERO;
            for (_, b) in p.balances.iter() {
                sum = sum.checked_add(*b).expect("balances overflow");
            }
            assert_eq!(sum, p.total_supply, "balances do not add up to the supply");
        },
    );
});
