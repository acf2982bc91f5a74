//! Compile: the sandboxed Rhai engine every expression is compiled and evaluated with.

use rhai::Engine;

/// Operations one expression may run for one device before it is stopped.
pub const MAX_OPERATIONS: u64 = 50_000;

/// A Rhai engine that cannot reach files, modules, the clock or `eval`, with bounded work and
/// sizes, strict variables (an unknown name fails at compile time) and an error on unknown map
/// properties (`device.serail` is an error, not `()`), plus mapper's helper functions.
pub fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_strict_variables(true);
    engine.set_fail_on_invalid_map_property(true);
    engine.disable_symbol("eval");
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(16);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(64 * 1024);
    engine.set_max_array_size(10_000);
    engine.set_max_map_size(10_000);
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    super::functions::register(&mut engine);
    engine
}
