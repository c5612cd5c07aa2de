//! `lth`: the native command line over the same `Experiment` the page drives.
//!
//!     lth train [--data DIR] [--out FILE] [--config FILE] [--epochs E] [--SETTING VALUE]...
//!
//! Every setting of the config JSON is also a flag (`--learning-rate 0.001`, `--seed 3`, ...).

// The CLI reads files and the system clock: it exists only in native builds. (`wasm-pack test`
// compiles every target of the crate for wasm, this one included.)
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use serde_json::{Map, Value};
    use ticketlab::data::mnist;
    use ticketlab::experiment::{Event, Experiment, Status, SystemClock};
    use ticketlab::{Config, Error};

    const USAGE: &str = "\
    usage: lth train [options]

    Trains a network on MNIST with the LTH paper's settings unless told otherwise, printing each
    evaluation, and writes every result (with the settings that replay it) as JSON.

    options:
      --data DIR            folder with the four MNIST IDX files (default: data/mnist)
      --out FILE            where to write the results JSON (default: results/train-seed<SEED>.json)
      --config FILE         a JSON object of settings; flags given after it override it
      --epochs E            train for E epochs (sets --iterations; an epoch is ⌊train size / batch⌋ iterations)
      --SETTING VALUE       any setting of the config: --model, --seed, --init, --optimizer,
                            --learning-rate, --momentum, --beta1, --beta2, --epsilon, --batch-size,
                            --iterations, --eval-every, --validation-size, --train-size
      -h, --help            this text
    ";

    struct Options {
        data: PathBuf,
        out: Option<PathBuf>,
        settings: Map<String, Value>,
        epochs: Option<f64>,
    }

    fn parse_value(raw: &str) -> Value {
        serde_json::from_str::<serde_json::Number>(raw)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(raw.to_string()))
    }

    fn parse_args(args: &[String]) -> Result<Options, String> {
        let mut options = Options { data: PathBuf::from("data/mnist"), out: None, settings: Map::new(), epochs: None };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument \"{flag}\"; options start with --"))?;
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match name {
                "data" => options.data = PathBuf::from(value),
                "out" => options.out = Some(PathBuf::from(value)),
                "epochs" => {
                    options.epochs = Some(
                        value
                            .parse::<f64>()
                            .ok()
                            .filter(|e| *e > 0.0 && e.is_finite())
                            .ok_or_else(|| format!("--epochs: expected a positive number, got \"{value}\""))?,
                    )
                }
                "config" => {
                    let text = std::fs::read_to_string(value).map_err(|e| format!("--config {value}: {e}"))?;
                    let parsed: Value =
                        serde_json::from_str(&text).map_err(|e| format!("--config {value}: not valid JSON: {e}"))?;
                    let object = parsed
                        .as_object()
                        .ok_or_else(|| format!("--config {value}: expected a JSON object of settings"))?;
                    options.settings.extend(object.clone());
                }
                setting => {
                    options.settings.insert(setting.replace('-', "_"), parse_value(value));
                }
            }
        }
        Ok(options)
    }

    fn percent(fraction: f64) -> String {
        format!("{:.2}%", fraction * 100.0)
    }

    fn print_event(event: &Event) {
        match event {
            Event::Evaluation(e) => println!(
                "{:>9} {:>7.2} {:>10} {:>9.4} {:>8} {:>9.4} {:>8}",
                e.iteration,
                e.epoch,
                e.train_loss.map_or("-".to_string(), |loss| format!("{loss:.4}")),
                e.validation_loss,
                percent(e.validation_accuracy),
                e.test_loss,
                percent(e.test_accuracy)
            ),
            Event::Diverged { message, .. } => eprintln!("error: {message}"),
            Event::Progress { .. } | Event::Done { .. } => {}
        }
    }

    fn train(options: Options) -> Result<Status, Error> {
        let mut config = Config::from_map(&options.settings)?;
        if let Some(epochs) = options.epochs {
            let train_examples = if config.train_size > 0 {
                config.train_size
            } else {
                60_000usize.saturating_sub(config.validation_size)
            };
            config.iterations = ((epochs * (train_examples / config.batch_size) as f64).round() as usize).max(1);
        }
        let out = options.out.unwrap_or_else(|| PathBuf::from(format!("results/train-seed{}.json", config.seed)));
        let mut experiment = Experiment::new(config.clone());
        let files = mnist::read_files(&options.data)?;
        experiment.load_idx(files.each_ref().map(Vec::as_slice))?;
        eprintln!(
            "training {} on MNIST: {} iterations of batch {}, {} {}, seed {}",
            config.model, config.iterations, config.batch_size, config.optimizer, config.learning_rate, config.seed
        );
        println!(
            "{:>9} {:>7} {:>10} {:>9} {:>8} {:>9} {:>8}",
            "iteration", "epoch", "train-loss", "val-loss", "val-acc", "test-loss", "test-acc"
        );
        experiment.run_to_end(&SystemClock::new(), print_event)?;
        let results = experiment.results();
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::data(&parent.display().to_string(), format!("cannot create the folder: {e}")))?;
        }
        let json = serde_json::to_string_pretty(&results).expect("results serialise");
        std::fs::write(&out, json + "\n")
            .map_err(|e| Error::data(&out.display().to_string(), format!("cannot write the results: {e}")))?;
        if let Some(last) = results.evaluations.last() {
            eprintln!(
                "last evaluation: test accuracy {} at iteration {} ({:.2} epochs); training {:.0} samples/s, evaluation {:.0} samples/s; results in {}",
                percent(last.test_accuracy), last.iteration, last.epoch, results.train_samples_per_second, results.evaluation_samples_per_second, out.display()
            );
        }
        Ok(results.status)
    }

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help" || a == "help") {
            print!("{USAGE}");
            return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
        if args[0] != "train" {
            eprintln!("error: unknown command \"{}\"\n\n{USAGE}", args[0]);
            return ExitCode::from(2);
        }
        let options = match parse_args(&args[1..]) {
            Ok(options) => options,
            Err(message) => {
                eprintln!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match train(options) {
            Ok(Status::Done) => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(3),
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(1)
            }
        }
    }
}
