//! Replays `fuzz/regressions/driver_request/*` through the `driver_request` fuzz target's
//! check (the same source file, included with `#[path]`), on stable under `cargo test`.

mod support;

#[path = "../../fuzz/src/driver_request.rs"]
mod driver_request;

#[test]
fn driver_request_regressions_replay() {
    let mut answered = 0;
    for data in support::regression_inputs("driver_request") {
        answered += driver_request::check_driver_request(&data);
    }
    assert!(
        answered >= 7,
        "the seeds must exercise real requests, got {answered}"
    );
}
