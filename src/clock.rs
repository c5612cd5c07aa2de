//! The clock that `Experiment::step` and the benchmarks are given: milliseconds from an arbitrary
//! origin. `SystemClock` is the native one; the page passes `performance.now()` (src/wasm.rs) and
//! the tests pass clocks that stand still or tick per call.

/// Milliseconds from an arbitrary origin (performance.now() in the browser, Instant natively).
pub trait Clock {
    fn now_millis(&self) -> f64;
}

/// Wall time since the clock was made (native only: wasm32 has no `Instant`).
#[cfg(not(target_arch = "wasm32"))]
pub struct SystemClock(std::time::Instant);

#[cfg(not(target_arch = "wasm32"))]
impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now_millis(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}
