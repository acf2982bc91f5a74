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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a script gets from the sandbox: its value, or the error's text.
    fn run(script: &str) -> Result<rhai::Dynamic, String> {
        engine().eval::<rhai::Dynamic>(script).map_err(|error| error.to_string())
    }

    #[track_caller]
    fn refused(script: &str, because: &str) {
        match run(script) {
            Ok(value) => panic!("`{script}` ran and gave {value:?}"),
            Err(error) => assert!(error.contains(because), "`{script}`: {error}"),
        }
    }

    #[test]
    fn no_eval_no_modules_no_clock() {
        refused(r#"eval("1 + 1")"#, "eval");
        refused(r#"import "rules" as r; 1"#, "import");
        refused("timestamp()", "timestamp");
    }

    #[test]
    fn an_unknown_map_property_is_an_error_not_unit() {
        refused("let device = #{ serial: 1 }; device.serail", "serail");
        assert_eq!(run("let device = #{ serial: 1 }; device.serial").unwrap().as_int(), Ok(1));
    }

    #[test]
    fn work_depth_and_sizes_are_bounded() {
        refused("loop { }", "Too many operations");
        refused("fn deeper(n) { deeper(n + 1) } deeper(0)", "Stack overflow");
        refused(r#"let s = "0123456789"; loop { s += s; }"#, "Length of string");
        refused("let a = [0]; loop { a += a; }", "Size of array");
        // A map of more than 10,000 keys takes more than the 50,000 operations allowed.
        refused("let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; }", "Too many operations");
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        refused(&deep, "Expression exceeds maximum complexity");
    }
}
