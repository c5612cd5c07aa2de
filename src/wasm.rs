//! The wasm-bindgen surface: a thin handle over `Experiment`. Big state stays in Rust; calls
//! return small results; every fallible call returns a JsError with the core's message.

use wasm_bindgen::prelude::*;

use crate::experiment::{self, Clock};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

struct PerformanceClock;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

impl Clock for PerformanceClock {
    fn now_millis(&self) -> f64 {
        performance_now()
    }
}

fn js_error(error: crate::Error) -> JsError {
    JsError::new(&error.to_string())
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen]
pub struct Experiment {
    inner: experiment::Experiment,
}

#[wasm_bindgen]
impl Experiment {
    /// Checks the settings (a JSON object; missing fields take the paper's defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Experiment, JsError> {
        Ok(Experiment { inner: experiment::Experiment::from_json(config_json).map_err(js_error)? })
    }

    /// The settings in force, defaults filled in, as JSON.
    pub fn config_json(&self) -> String {
        self.inner.config().to_json()
    }

    /// Takes the four MNIST IDX files, checks them, and initialises the model.
    pub fn load_data(
        &mut self,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<(), JsError> {
        self.inner.load_idx([train_images, train_labels, test_images, test_labels]).map_err(js_error)
    }

    /// Works for about `max_millis`; returns an array of events ({type: "progress" | "evaluation" | "done" | "diverged", ...}).
    pub fn step(&mut self, max_millis: f64) -> Result<JsValue, JsError> {
        let events = self.inner.step(max_millis, &PerformanceClock).map_err(js_error)?;
        to_js(&events)
    }

    pub fn stop(&mut self) {
        self.inner.stop();
    }

    /// "no_data", "running", "waiting" (a controls share between masks), "done", "stopped" or "diverged".
    pub fn status(&self) -> String {
        serde_json::to_value(self.inner.status()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }

    /// Everything computed so far, with the settings that replay it.
    pub fn results(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.results())
    }

    pub fn results_json(&self) -> String {
        serde_json::to_string(&self.inner.results()).expect("results serialise")
    }
}

// --- Shares: one run split over workers, the ticket in one and its controls in others --------
// (see `experiment::Share`). Masks cross as Uint8Arrays, 1 kept and 0 pruned per prunable
// weight in the model's layer order; θk as a Float32Array.

#[wasm_bindgen]
impl Experiment {
    /// An experiment that trains only `share` of the run: "all", "ticket" or "controls".
    pub fn with_share(config_json: &str, share: &str) -> Result<Experiment, JsError> {
        let config = crate::Config::from_json(config_json).map_err(js_error)?;
        let share = experiment::Share::from_name(share).map_err(js_error)?;
        Ok(Experiment { inner: experiment::Experiment::with_share(config, share) })
    }

    /// The ticket's mask of `level` once made (a ticket share announces it with a "ticket_mask" event).
    pub fn ticket_mask_bytes(&self, level: usize) -> Option<Vec<u8>> {
        self.inner.ticket_mask(level).map(|mask| mask.to_bytes())
    }

    /// θk under reset = "rewind", once known.
    pub fn rewind_params(&self) -> Option<Vec<f32>> {
        self.inner.rewind_params().map(<[f32]>::to_vec)
    }

    /// A controls share: the ticket's mask of the next level, which queues that level's controls.
    pub fn add_ticket_mask(&mut self, level: usize, mask: &[u8]) -> Result<(), JsError> {
        self.inner.add_ticket_mask(level, mask).map_err(js_error)
    }

    /// A controls share under reset = "rewind" with rewind_step > 0: θk, before the first mask.
    pub fn set_rewind_params(&mut self, params: &[f32]) -> Result<(), JsError> {
        self.inner.set_rewind_params(params).map_err(js_error)
    }

    /// A controls share: no more masks will come; the run ends once the queued controls are done.
    pub fn inputs_finished(&mut self) {
        self.inner.inputs_finished();
    }
}
