//! The wasm-bindgen surface: a thin handle over `Experiment`. Big state stays in Rust; calls
//! return small results; every fallible call returns a JsError with the core's message.

use wasm_bindgen::prelude::*;

use crate::clock::Clock;
use crate::experiment;

/// The message of the last panic, for the worker to name in what it tells the user (a panic traps,
/// and the trap's own message is only "unreachable").
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));
}

/// The last panic's message (file, line and what failed), once; None when nothing panicked.
#[wasm_bindgen]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().ok()?.take()
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

/// The settings a model defaults to (`Config::defaults_for`), as JSON: the page's table of
/// model defaults is checked against it.
#[wasm_bindgen]
pub fn model_defaults_json(model: &str) -> String {
    crate::config::Settings::defaults_for(model).to_json()
}

/// Settings checked by every rule of the core (`rules::check_settings`), as JSON:
/// {config: the settings as resolved, plan: {rounds, kept, total, percent}}; or the refusal, which
/// names its setting. The form shows what the chosen rounds or target mean, and refuses what the core would.
#[wasm_bindgen]
pub fn check_settings_json(config_json: &str) -> Result<String, JsError> {
    let (config, plan) = crate::rules::check_settings(config_json).map_err(js_error)?;
    Ok(serde_json::json!({"config": config, "plan": plan}).to_string())
}

/// The results of a run split over workers, as one worker would have made them
/// (`parts::whole_run`): `parts_json` its parts' results (the ticket's first), `earlier_json` the
/// rounds kept from before a resume, `config_json` the whole run's settings; JSON in and out.
#[wasm_bindgen]
pub fn whole_run_json(parts_json: &str, earlier_json: &str, config_json: &str) -> Result<String, JsError> {
    let read = |what: &str, json: &str| JsError::new(&format!("{what}: {json}"));
    let parts = serde_json::from_str(parts_json).map_err(|e| read("the parts' results", &e.to_string()))?;
    let earlier = serde_json::from_str(earlier_json).map_err(|e| read("the rounds kept", &e.to_string()))?;
    let config = crate::Config::from_json(config_json).map_err(js_error)?;
    Ok(serde_json::to_string(&crate::parts::whole_run(parts, earlier, &config)).expect("results serialise"))
}

/// The page's results file for `trials` trials of `config_json` run one after another
/// (`trials::page_results`: lth's summary over the finished trials, `results_json`, with the run's
/// status, first error and every trial's results); `wall_seconds` the run's time. JSON in and out.
#[wasm_bindgen]
pub fn trials_results_json(
    config_json: &str,
    trials: usize,
    results_json: &str,
    wall_seconds: f64,
) -> Result<String, JsError> {
    let config = crate::Config::from_json(config_json).map_err(js_error)?;
    let plan = crate::trials::Plan::new(config, trials).map_err(js_error)?;
    let results = read_results(results_json)?;
    Ok(crate::trials::page_results(&plan, results, wall_seconds).to_string())
}

/// Every evaluation of every round of `results_json` (a list of trials' results) as lth's
/// curves.csv (`report::curves_csv`).
#[wasm_bindgen]
pub fn curves_csv(results_json: &str) -> Result<String, JsError> {
    Ok(crate::report::curves_csv(&read_results(results_json)?))
}

fn read_results(json: &str) -> Result<Vec<crate::Results>, JsError> {
    serde_json::from_str(json).map_err(|e| JsError::new(&format!("the trials' results: {e}")))
}

/// The sha256 of `bytes`, as 64 lowercase hex digits: the worker checks the MNIST files the page
/// hands it against scripts/fetch-mnist's checksums. Read in 1 MiB pieces, so a 47 MB file is
/// never copied whole into the wasm memory.
#[wasm_bindgen]
pub fn sha256_hex(bytes: &js_sys::Uint8Array) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    let mut hasher = sha2::Sha256::new();
    let mut piece = vec![0; 1 << 20];
    let (mut start, length) = (0, bytes.length());
    while start < length {
        let end = length.min(start + piece.len() as u32);
        let piece = &mut piece[..(end - start) as usize];
        bytes.subarray(start, end).copy_to(piece);
        hasher.update(&*piece);
        start = end;
    }
    hasher.finalize().iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// MNIST's four IDX files, checked and held in the core once per worker: every run the worker
/// starts reads them (`Experiment::load_mnist`), so the worker lets go of its JavaScript copy and
/// no run copies them again.
#[wasm_bindgen]
pub struct MnistData {
    files: crate::data::MnistFiles,
}

#[wasm_bindgen]
impl MnistData {
    /// The files' bytes (in `data::mnist::FILES` order), each copied once into the core; refused,
    /// naming the file, if one is not a valid MNIST file.
    #[wasm_bindgen(constructor)]
    pub fn new(
        train_images: Vec<u8>,
        train_labels: Vec<u8>,
        test_images: Vec<u8>,
        test_labels: Vec<u8>,
    ) -> Result<MnistData, JsError> {
        let files = [train_images, train_labels, test_images, test_labels];
        Ok(MnistData { files: crate::data::MnistFiles::new(files).map_err(js_error)? })
    }
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

    /// `load_data` from MNIST the core already holds (shared with the worker's other runs, not copied).
    pub fn load_mnist(&mut self, data: &MnistData) -> Result<(), JsError> {
        self.inner.load_mnist(&data.files).map_err(js_error)
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

    /// How many segments the run trains in all (`Config::segments`: a target's rounds resolved).
    pub fn segments(&self) -> usize {
        self.inner.config().segments()
    }

    /// Every segment of the whole run in the order one worker trains them (`run_order`), as
    /// [{branch, level}]: the page keeps it with a run's rounds, to order them and to tell which
    /// are still missing.
    pub fn run_order(&self) -> Result<JsValue, JsError> {
        #[derive(serde::Serialize)]
        struct Segment {
            branch: experiment::Branch,
            level: usize,
        }
        let order: Vec<Segment> = experiment::run_order(self.inner.config())
            .into_iter()
            .map(|(branch, level)| Segment { branch, level })
            .collect();
        to_js(&order)
    }

    pub fn results_json(&self) -> String {
        serde_json::to_string(&self.inner.results()).expect("results serialise")
    }

    /// The ticket's conv layers at the end of round `level` (see `Experiment::ticket_filters`):
    /// [{name, shape: [filters, channels, k, k], initial: Float32Array, trained: Float32Array,
    /// mask: Uint8Array (1 kept, 0 pruned)}]; empty for a network without convolutions.
    pub fn ticket_filters(&self, level: usize) -> Result<js_sys::Array, JsError> {
        let layers = self.inner.ticket_filters(level).map_err(js_error)?;
        let array = js_sys::Array::new();
        for layer in layers {
            let object = js_sys::Object::new();
            set(&object, "name", &layer.name.as_str().into())?;
            let shape: js_sys::Array = layer.shape.iter().map(|&size| JsValue::from(size as u32)).collect();
            set(&object, "shape", &shape)?;
            set(&object, "initial", &js_sys::Float32Array::from(&layer.initial[..]))?;
            set(&object, "trained", &js_sys::Float32Array::from(&layer.trained[..]))?;
            let mask: Vec<u8> = layer.keep.iter().map(|&keep| u8::from(keep)).collect();
            set(&object, "mask", &js_sys::Uint8Array::from(&mask[..]))?;
            array.push(&object);
        }
        Ok(array)
    }

    /// The ticket's weights at the end of round `level`, per layer (see `weights`): [{name,
    /// kept, size, range, counts: Uint32Array, threshold (null after the last round), sample_initial,
    /// sample_trained: Float32Array, sample_pruned_next: Uint8Array}].
    pub fn ticket_weights(&self, level: usize) -> Result<js_sys::Array, JsError> {
        let layers = self.inner.ticket_weights(level).map_err(js_error)?;
        let array = js_sys::Array::new();
        for layer in layers {
            let object = js_sys::Object::new();
            set(&object, "name", &layer.name.as_str().into())?;
            set(&object, "kept", &JsValue::from(layer.kept as u32))?;
            set(&object, "size", &JsValue::from(layer.size as u32))?;
            set(&object, "range", &JsValue::from(layer.range))?;
            set(&object, "counts", &js_sys::Uint32Array::from(&layer.counts[..]))?;
            set(&object, "threshold", &layer.threshold.map_or(JsValue::NULL, JsValue::from))?;
            set(&object, "sample_initial", &js_sys::Float32Array::from(&layer.sample_initial[..]))?;
            set(&object, "sample_trained", &js_sys::Float32Array::from(&layer.sample_trained[..]))?;
            set(&object, "sample_pruned_next", &js_sys::Uint8Array::from(&layer.sample_pruned_next[..]))?;
            array.push(&object);
        }
        Ok(array)
    }

    /// The ticket's test-set confusion matrix at the end of round `level`: classes × classes
    /// counts, a row per true class.
    pub fn ticket_confusion(&self, level: usize) -> Result<Vec<u32>, JsError> {
        self.inner.ticket_confusion(level).map(<[u32]>::to_vec).map_err(js_error)
    }

    /// The first layer's surviving input connections in the ticket of round `level` (see
    /// `connections`): {height, width, units, per_pixel: Uint32Array, unit_masks: Uint8Array},
    /// or null for a network that does not start with a fully connected layer on the image.
    pub fn ticket_connections(&self, level: usize) -> Result<JsValue, JsError> {
        let Some(view) = self.inner.ticket_connections(level).map_err(js_error)? else {
            return Ok(JsValue::NULL);
        };
        let object = js_sys::Object::new();
        set(&object, "height", &JsValue::from(view.height as u32))?;
        set(&object, "width", &JsValue::from(view.width as u32))?;
        set(&object, "units", &JsValue::from(view.units as u32))?;
        set(&object, "per_pixel", &js_sys::Uint32Array::from(&view.per_pixel[..]))?;
        set(&object, "unit_masks", &js_sys::Uint8Array::from(&view.unit_masks[..]))?;
        Ok(object.into())
    }

    /// One image (784 pixels in [0, 1], row by row) through the trained dense network and the
    /// ticket of round `level` (see `Experiment::classify`): {dense, ticket: Float32Array}, a
    /// probability per class.
    pub fn classify(&self, level: usize, pixels: &[f32]) -> Result<js_sys::Object, JsError> {
        let answers = self.inner.classify(level, pixels).map_err(js_error)?;
        let object = js_sys::Object::new();
        set(&object, "dense", &js_sys::Float32Array::from(&answers.dense[..]))?;
        set(&object, "ticket", &js_sys::Float32Array::from(&answers.ticket[..]))?;
        Ok(object)
    }

    /// Image `index` of MNIST's test set: {pixels: Float32Array (784, in [0, 1]), label}.
    pub fn test_image(&self, index: usize) -> Result<js_sys::Object, JsError> {
        let image = self.inner.test_image(index).map_err(js_error)?;
        let object = js_sys::Object::new();
        set(&object, "pixels", &js_sys::Float32Array::from(&image.pixels[..]))?;
        set(&object, "label", &JsValue::from(image.label))?;
        Ok(object)
    }
}

/// object[key] = value, for the objects handed to the page.
fn set(object: &js_sys::Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(object, &key.into(), value)
        .map(drop)
        .map_err(|_| JsError::new(&format!("could not set {key}")))
}

// --- Tickets as safetensors files (see `ticket`): exported from a run, imported into a new one.

/// The settings stored in a ticket file, as JSON, for the page to adopt before importing it;
/// refused with the core's message if the file is not a ticket that fits its model.
#[wasm_bindgen]
pub fn ticket_config_json(bytes: &[u8]) -> Result<String, JsError> {
    Ok(crate::ticket::Ticket::from_safetensors(bytes, "the ticket file").map_err(js_error)?.config.to_json())
}

#[wasm_bindgen]
impl Experiment {
    /// The ticket of round `level` as a safetensors file (mask, initial weights, settings).
    pub fn ticket_safetensors(&self, level: usize) -> Result<Vec<u8>, JsError> {
        self.inner.ticket_safetensors(level).map_err(js_error)
    }

    /// Starts the run from a ticket file instead of a fresh dense network; before `load_data`.
    pub fn import_ticket(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let ticket = crate::ticket::Ticket::from_safetensors(bytes, "the ticket file").map_err(js_error)?;
        self.inner.import_ticket(ticket).map_err(js_error)
    }
}

// --- Resuming an interrupted run (see `checkpoint`): the page keeps the latest checkpoint with the
// run's finished rounds, and a new run resumes from it.

#[wasm_bindgen]
impl Experiment {
    /// What this run needs to resume after its latest finished ticket round, as a safetensors
    /// file; an error in a controls share, before a ticket round has finished and after the last.
    pub fn checkpoint_safetensors(&self) -> Result<Vec<u8>, JsError> {
        self.inner.checkpoint_safetensors().map_err(js_error)
    }

    /// Resumes the run from a checkpoint file at the level after its own; before `load_data`.
    /// Refused, with the reason, if it was made with other settings or is damaged.
    pub fn resume_from(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let checkpoint = crate::checkpoint::Checkpoint::from_safetensors(bytes).map_err(js_error)?;
        self.inner.resume_from(checkpoint).map_err(js_error)
    }
}

// ---- The benchmark page's handle (www/bench.html) -----------------------------------------
// Times the training step along the pruning ladder and evaluation, through src/bench.rs: the
// code `lth bench` runs natively, so the page's figures and the native ones measure one thing.
// The model is the config's: the page makes one handle for LeNet-300-100 and one for LeNet-5.

/// The ladder and the settings a benchmark page needs to build the same model elsewhere.
#[derive(serde::Serialize)]
struct BenchInfo {
    config: serde_json::Value,
    levels: Vec<BenchLevel>,
    evaluation_chunk: usize,
    sparse_below: f64,
}

#[derive(serde::Serialize)]
struct BenchLevel {
    level: usize,
    percent_remaining: f64,
}

#[wasm_bindgen]
pub struct Bench {
    config: crate::Config,
    data: Option<crate::data::Mnist>,
}

#[wasm_bindgen]
impl Bench {
    /// Checks the settings (a JSON object; missing fields take the paper's defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Bench, JsError> {
        Ok(Bench { config: crate::Config::from_json(config_json).map_err(js_error)?, data: None })
    }

    /// {config, levels: [{level, percent_remaining}], evaluation_chunk, sparse_below}.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let config = serde_json::from_str(&self.config.to_json()).map_err(|e| JsError::new(&e.to_string()))?;
        let levels = crate::bench::LEVELS
            .iter()
            .map(|&level| BenchLevel { level, percent_remaining: crate::bench::percent_remaining(&self.config, level) })
            .collect();
        to_js(&BenchInfo {
            config,
            levels,
            evaluation_chunk: crate::train::EVALUATION_CHUNK,
            sparse_below: crate::nn::dense::SPARSE_BELOW,
        })
    }

    /// Takes the four MNIST IDX files and checks them.
    pub fn load_data(
        &mut self,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<(), JsError> {
        let files = [train_images, train_labels, test_images, test_labels];
        let data = crate::data::Mnist::from_idx(files, self.config.validation_size, self.config.train_size);
        self.data = Some(data.map_err(js_error)?);
        Ok(())
    }

    fn data(&self) -> Result<&crate::data::Mnist, JsError> {
        self.data.as_ref().ok_or_else(|| JsError::new("no MNIST data yet: call load_data first"))
    }

    /// Training images per second over `iterations` steps at `level` of the pruning ladder, with
    /// `kernels` "dense", "sparse" or "auto" (what training uses).
    pub fn training_throughput(&self, level: usize, kernels: &str, iterations: usize) -> Result<f64, JsError> {
        const DEEPEST_LEVEL: usize = 30;
        if level > DEEPEST_LEVEL {
            return Err(JsError::new(&format!("level {level}: the ladder stops at {DEEPEST_LEVEL}")));
        }
        let kernels = crate::bench::Kernels::from_name(kernels).map_err(js_error)?;
        let data = self.data()?;
        Ok(crate::bench::training_throughput(&self.config, data, level, kernels, iterations, &PerformanceClock))
    }

    /// The training-set indices (validation images excluded) of the first `batches` batches that
    /// `training_throughput` trains on, its warm-up batch first.
    pub fn batch_indices(&self, batches: usize) -> Result<Vec<u32>, JsError> {
        Ok(crate::bench::batch_indices(&self.config, self.data()?, batches))
    }

    /// Evaluation images per second of the dense network over `passes` passes of the validation set.
    pub fn evaluation_throughput(&self, passes: usize) -> Result<f64, JsError> {
        Ok(crate::bench::evaluation_throughput(&self.config, self.data()?, passes, &PerformanceClock))
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
