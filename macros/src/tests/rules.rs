//! One test per error rule of the macros (parse, validate, and the entry points), each on
//! the smallest `parse_quote!` input that breaks it, asserting the message the user reads.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, ItemImpl, ItemStruct};

use crate::util::Errors;
use crate::{expand, parse, validate};

fn messages(errors: Errors) -> Vec<String> {
    match errors.finish() {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The errors `#[aoxide::handlers(args)]` reports on `item`.
fn handlers_errors(args: TokenStream, mut item: ItemImpl) -> Vec<String> {
    let mut errors = Errors::default();
    let def = parse::handlers(args, &mut item, &mut errors);
    validate::handlers(&def, &mut errors);
    messages(errors)
}

/// The errors `#[aoxide::process(args)]` reports on `item`.
fn process_errors(args: TokenStream, mut item: ItemStruct) -> Vec<String> {
    let mut errors = Errors::default();
    let def = parse::process(args, &mut item, &mut errors);
    validate::process(&def, &mut errors);
    messages(errors)
}

#[track_caller]
fn reports(errors: &[String], expected: &str) {
    assert!(
        errors.iter().any(|e| e.contains(expected)),
        "expected an error containing {expected:?}, got {errors:#?}"
    );
}

/// `name: (handlers args) { impl } => "message"`: one rule of `#[aoxide::handlers]`.
macro_rules! handlers_rule {
    ($($name:ident: ($($args:tt)*) { $($item:tt)* } => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            let errors = handlers_errors(quote!($($args)*), parse_quote!($($item)*));
            reports(&errors, $expected);
        }
    )*};
}

/// `name: (process args) { struct } => "message"`: one rule of `#[aoxide::process]`.
macro_rules! process_rule {
    ($($name:ident: ($($args:tt)*) { $($item:tt)* } => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            let errors = process_errors(quote!($($args)*), parse_quote!($($item)*));
            reports(&errors, $expected);
        }
    )*};
}

// ----- handler options (`#[handler(..)]`, `#[cron(..)]`) -----

handlers_rule! {
    option_without_value: () {
        impl C { #[handler(action = )] fn a(&mut self) {} }
    } => "`action =` needs a value";
    option_that_is_not_a_string: () {
        impl C { #[handler(action = 3)] fn a(&mut self) {} }
    } => "action must be a string literal";
    position_that_is_no_name: () {
        impl C { #[handler(action = "A", after = 3)] fn a(&mut self) {} }
    } => "`after` takes the name of another handler";
    once_and_max_runs: () {
        impl C { #[handler(action = "A", once, max_runs = 2)] fn a(&mut self) {} }
    } => "`once` and `max_runs` set the same limit";
    before_and_after: () {
        impl C {
            #[handler(action = "A", before = "b", after = "b")] fn a(&mut self) {}
            #[handler(action = "B")] fn b(&mut self) {}
        }
    } => "a handler takes one position";
    option_given_twice: () {
        impl C { #[handler(action = "A", action = "B")] fn a(&mut self) {} }
    } => "`action` is given twice";
    option_missing_its_value: () {
        impl C { #[handler(action = "A", from)] fn a(&mut self) {} }
    } => "`from` needs a value: from = owner";
    empty_name: () {
        impl C { #[handler(action = "A", name = "")] fn a(&mut self) {} }
    } => "the handler name cannot be empty";
    cron_with_an_action: () {
        impl C { #[cron(action = "X")] fn t(&mut self) {} }
    } => "cron ticks, which have no action";
    empty_action: () {
        impl C { #[handler(action = "")] fn a(&mut self) {} }
    } => "the action cannot be empty";
    tags_without_parentheses: () {
        impl C { #[handler(tags)] fn a(&mut self) {} }
    } => "write the tag rules in parentheses";
    when_that_is_no_path: () {
        impl C { #[handler(action = "A", when = 3)] fn a(&mut self) {} }
    } => "`when` takes the path of a function";
    continue_with_a_value: () {
        impl C { #[handler(action = "A", continue = 1)] fn a(&mut self) {} }
    } => "`continue` takes no value";
    once_with_a_value: () {
        impl C { #[handler(action = "A", once = 1)] fn a(&mut self) {} }
    } => "`once` takes no value";
    zero_max_runs: () {
        impl C { #[handler(action = "A", max_runs = 0)] fn a(&mut self) {} }
    } => "`max_runs` must be at least 1";
    max_runs_not_a_number: () {
        impl C { #[handler(action = "A", max_runs = "x")] fn a(&mut self) {} }
    } => "`max_runs` takes a positive integer";
    priority_instead_of_a_position: () {
        impl C { #[handler(action = "A", priority = 1)] fn a(&mut self) {} }
    } => "handlers run in declaration order";
    unknown_handler_option: () {
        impl C { #[handler(action = "A", colour = "red")] fn a(&mut self) {} }
    } => "unknown option `colour` for #[handler]";
    tag_rule_without_a_value: () {
        impl C { #[handler(tags(A))] fn a(&mut self) {} }
    } => "write each tag rule as `Name = \"value\"`";
    tag_rule_value_not_a_string: () {
        impl C { #[handler(tags(A = 3))] fn a(&mut self) {} }
    } => "a tag rule's value is a string";
    tag_with_two_rules: () {
        impl C { #[handler(tags(A = "x", A = "y"))] fn a(&mut self) {} }
    } => "tag `A` has two rules";
    tag_rule_with_an_empty_list: () {
        impl C { #[handler(tags(A = []))] fn a(&mut self) {} }
    } => "an empty list matches nothing";
    empty_address: () {
        impl C { #[handler(action = "A", from = "")] fn a(&mut self) {} }
    } => "the address cannot be empty";
    unknown_caller: () {
        impl C { #[handler(action = "A", from = nobody)] fn a(&mut self) {} }
    } => "`from` takes owner, self, trusted";
    attribute_with_equals: () {
        impl C { #[handler = "A"] fn a(&mut self) {} }
    } => "write #[handler(...)]";
}

// ----- `#[aoxide::handlers(..)]` and the impl -----

handlers_rule! {
    trait_impl: () {
        impl Process for C {}
    } => "goes on an inherent impl";
    generic_impl: () {
        impl<T> C<T> {}
    } => "cannot implement a generic process";
    config_that_is_no_path: (config = 3) {
        impl C {}
    } => "`config` takes the path of a function";
    error_that_is_no_type: (error = 3) {
        impl C {}
    } => "`error` takes the type of the handlers' coded errors";
    unknown_handlers_option: (colour = 1) {
        impl C {}
    } => "unknown option `colour` for #[aoxide::handlers]";
    handlers_option_without_value: (config = ) {
        impl C {}
    } => "`config =` needs a value";
    mount_that_is_no_field_and_type: (mount(token)) {
        impl C {}
    } => "mount parts on fields of the state";
    live_mount_without_its_call: (mount(lua = Self::lua)) {
        impl C {}
    } => "`Self::lua` is not a type: a part whose handlers change at run time is mounted by a call returning its mount, `lua = Self::lua()`";
    tag_attribute_off_a_handler: () {
        impl C { fn helper(&self, #[tag("X")] x: u8) {} }
    } => "#[tag] only means something on the parameters";
    two_kinds_of_entry: () {
        impl C { #[handler(action = "A")] #[cron] fn a(&mut self) {} }
    } => "a method is one kind of entry";
    two_inits: () {
        impl C {
            #[init] fn a() -> Self { C }
            #[init] fn b() -> Self { C }
        }
    } => "only one #[init] function per process";
    two_defaults: () {
        impl C {
            #[default] fn a(&mut self) {}
            #[default] fn b(&mut self) {}
        }
    } => "only one #[default] handler per process";
}

// ----- methods and their parameters -----

handlers_rule! {
    default_with_options: () {
        impl C { #[default(action = "X")] fn d(&mut self) {} }
    } => "#[default] takes no options";
    async_handler: () {
        impl C { #[handler(action = "A")] async fn a(&mut self) {} }
    } => "handlers run synchronously";
    unsafe_handler: () {
        impl C { #[handler(action = "A")] unsafe fn a(&mut self) {} }
    } => "handlers cannot be `unsafe fn`";
    generic_handler: () {
        impl C { #[handler(action = "A")] fn a<T>(&mut self) {} }
    } => "a handler cannot be generic";
    variadic_handler: () {
        impl C { #[handler(action = "A")] fn a(&mut self, ...) {} }
    } => "handlers cannot be variadic";
    init_taking_self: () {
        impl C { #[init] fn init(&self) -> Self { C } }
    } => "#[init] builds the state, so it cannot take `self`";
    handler_taking_self_by_value: () {
        impl C { #[handler(action = "A")] fn a(self) {} }
    } => "a handler borrows the state";
    tag_and_data_on_one_parameter: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[tag("X")] #[data] x: u8) {} }
    } => "a parameter is either a tag or the data";
    data_with_arguments: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[data(json)] x: u8) {} }
    } => "#[data] takes no arguments";
    data_by_reference: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[data] x: &Payload) {} }
    } => "#[data] parses the data into an owned value";
    tag_name_not_a_string: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[tag(X)] x: u8) {} }
    } => "write the tag name as a string";
    tag_attribute_with_equals: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[tag = "X"] x: u8) {} }
    } => "write #[tag(...)]";
    tag_parameter_without_a_name: () {
        impl C { #[handler(action = "A")] fn a(&mut self, (x, y): (u8, u8)) {} }
    } => "a tag parameter needs a plain name";
    tag_parameter_by_reference: () {
        impl C { #[handler(action = "A")] fn a(&mut self, who: &str) {} }
    } => "tag parameters are read by value: write `String`";
    init_without_a_return_type: () {
        impl C { #[init] fn init() {} }
    } => "#[init] returns the state: add `-> Self`";
}

// ----- rules across handlers (validate) -----

handlers_rule! {
    handler_taking_every_message: () {
        impl C { #[handler(from = owner)] fn a(&mut self) {} }
    } => "would take every message";
    two_handlers_with_one_name: () {
        impl C {
            #[handler(action = "A", name = "x")] fn a(&mut self) {}
            #[handler(action = "B", name = "x")] fn b(&mut self) {}
        }
    } => "two handlers are named `x`";
    one_field_mounted_twice: (mount(token = Token), mount(token = Self::lua())) {
        impl C {}
    } => "`token` is mounted twice: a field holds one part";
    position_in_a_live_part_with_its_field_in_front: (mount(lua = Self::lua())) {
        impl C { #[handler(action = "A", before = "lua.Broadcast")] fn a(&mut self) {} }
    } => "the handlers of the live part `lua` keep the names its code gives them (not `lua.` in front): write `before = \"Broadcast\"`";
    position_in_a_part_not_mounted: (mount(token = Token)) {
        impl C { #[handler(action = "A", after = "bank.deposit")] fn a(&mut self) {} }
    } => "no part is mounted on `bank`";
    position_relative_to_itself: () {
        impl C { #[handler(action = "A", before = "a")] fn a(&mut self) {} }
    } => "a handler cannot be placed relative to itself";
    position_of_an_unknown_handler: () {
        impl C { #[handler(action = "A", after = "nope")] fn a(&mut self) {} }
    } => "no handler named `nope` in this impl";
    competing_handlers_without_an_order: () {
        impl C {
            #[handler(action = "T")] fn a(&mut self) {}
            #[handler(action = "T", tags(Cast = "_"))] fn b(&mut self) {}
        }
    } => "`b` is a second handler for Action = \"T\"";
    two_data_parameters: () {
        impl C { #[handler(action = "A")] fn a(&mut self, #[data] x: X, #[data] y: Y) {} }
    } => "only one parameter can be #[data]";
    one_tag_read_twice: () {
        impl C { #[handler(action = "A")] fn a(&mut self, by: u8, #[tag("By")] b: u8) {} }
    } => "tag `By` is read twice";
    context_taken_twice: () {
        impl C { #[handler(action = "A")] fn a(&mut self, c: &Ctx, d: &mut Ctx) {} }
    } => "`a` takes the context twice";
    message_taken_twice: () {
        impl C { #[handler(action = "A")] fn a(&mut self, m: &Message, n: &Message) {} }
    } => "`a` takes the message twice";
}

// ----- `#[aoxide::process(..)]` and the state -----

process_rule! {
    version_zero: (version = 0) { struct S { a: u8 } } => "schema versions start at 1";
    version_not_a_number: (version = x) { struct S { a: u8 } } => "`version` takes a positive integer";
    migrate_that_is_no_path: (version = 2, migrate = 5) { struct S { a: u8 } } => "`migrate` takes the path";
    version_without_value: (version) { struct S { a: u8 } } => "`version` needs a value, e.g. version = 2";
    patch_option_with_a_value: (patch = 1) { struct S { a: u8 } } => "publish fields with #[patch] on the fields themselves";
    unknown_process_option: (colour) { struct S { a: u8 } } => "unknown option `colour` for #[aoxide::process]";
    process_option_without_value: (version = ) { struct S { a: u8 } } => "`version =` needs a value";
    migrate_without_a_version: (migrate = S::m) { struct S { a: u8 } } => "`migrate` needs `version = N` above 1";
    generic_state: () { struct S<T> { a: T } } => "a process state cannot be generic";
    patch_twice_on_a_field: () { struct S { #[patch] #[patch] a: u8 } } => "`#[patch]` is given twice on this field";
    empty_patch_key: () { struct S { #[patch("")] a: u8 } } => "the patch key cannot be empty";
    patch_key_not_a_string: () { struct S { #[patch(colour = 1)] a: u8 } } => "write the patch key as a string";
    tuple_field_patch_without_a_key: () { struct S(#[patch] u8); } => "a tuple field needs a key";
    computed_patch_that_is_no_entry: (patch(key = f)) { struct S { a: u8 } } => "computed patch entries are";
    patch_key_device: () { struct S { #[patch] device: u8 } } => "the patch key `device` is taken";
    two_fields_under_one_patch_key: () { struct S { #[patch] a: u8, #[patch("a")] b: u8 } } => "two fields are published under patch key `a`";
}

// ----- the entry points, on what is not a struct or an impl -----

#[test]
fn process_on_something_else() {
    let out = expand::process(
        quote!(),
        quote!(
            fn f() {}
        ),
    )
    .to_string();
    assert!(
        out.contains("goes on the struct holding the state"),
        "{out}"
    );
    assert!(out.contains("fn f"), "the item is kept: {out}");
}

#[test]
fn transactional_derive_on_something_else() {
    let out = expand::derive_transactional(quote!(
        enum E {
            A,
        }
    ))
    .to_string();
    assert!(
        out.contains("goes on a struct whose fields are all Transactional"),
        "{out}"
    );
}

#[test]
fn handlers_on_something_else() {
    let out = expand::handlers(
        quote!(),
        quote!(
            struct S;
        ),
    )
    .to_string();
    assert!(
        out.contains("goes on the impl block of the process state"),
        "{out}"
    );
    assert!(out.contains("struct S"), "the item is kept: {out}");
}

#[test]
fn after_an_error_the_item_and_a_stand_in_are_emitted() {
    let out = expand::handlers(
        quote!(),
        quote!(impl C { #[handler(action = 3)] fn a(&mut self) {} }),
    )
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("fn a"), "{out}");
    assert!(
        out.contains("Process for C"),
        "a stand-in stops cascades: {out}"
    );
    assert!(
        !out.contains("handler ("),
        "the consumed attribute is stripped: {out}"
    );
}
