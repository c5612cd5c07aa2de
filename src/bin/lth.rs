//! `lth`: the native command line over the same `Experiment` the page drives.
//!
//!     lth train [options]                      train (and, with --rounds, prune) one seed; with
//!                                              --ticket FILE, from an exported ticket
//!     lth imp [--preset quick|paper] [options] iterative magnitude pruning over --trials seeds
//!     lth bench [options]                      training throughput along the pruning ladder, or of
//!                                              the dense network only (--measure dense)
//!
//! Every setting of the config JSON is also a flag (`--learning-rate 0.001`, `--seed=3`, ...).
//! `lth COMMAND --help` lists that command's options; `lth --help`, all of them.

// The CLI reads files, starts threads and reads the system clock: it exists only in native
// builds. (`wasm-pack test` compiles every target of the crate for wasm, this one included.)
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::sync::Mutex;

    use serde_json::{json, Map, Value};
    use ticketlab::bench::{Kernels, Measure};
    use ticketlab::config::{Settings, MAX_SAFE_INTEGER};
    use ticketlab::data::batches::batch_order_text;
    use ticketlab::data::mnist;
    use ticketlab::experiment::{check_ticket_export, Event, Experiment, Results, Status, SystemClock};
    use ticketlab::limits::{MAX_ITERATIONS, MAX_TRIALS};
    use ticketlab::rules::Preset;
    use ticketlab::ticket::Ticket;
    use ticketlab::{report, Config, Error};

    #[derive(Clone, Copy, PartialEq)]
    enum Command {
        Train,
        Imp,
        Bench,
    }

    use Command::{Bench, Imp, Train};

    impl Command {
        const ALL: [Command; 3] = [Train, Imp, Bench];

        fn name(self) -> &'static str {
            match self {
                Train => "train",
                Imp => "imp",
                Bench => "bench",
            }
        }

        fn from_name(name: &str) -> Option<Command> {
            Command::ALL.into_iter().find(|command| command.name() == name)
        }

        /// Its line of the usage.
        fn usage(self) -> &'static str {
            match self {
                Train => "lth train [--ticket FILE] [--export-ticket FILE] [--export-batches FILE] [options]",
                Imp => "lth imp [--preset quick|paper] [--trials N] [--export-tickets DIR] [options]",
                Bench => {
                    "lth bench [--model NAME] [--measure ladder|dense] [--iterations N] [--repetitions R] [--out FILE]"
                }
            }
        }

        /// What it does, for the help.
        fn about(self) -> &'static str {
            match self {
                Train => "\
train  trains one network on MNIST (the LTH paper's LeNet-300-100 settings unless told otherwise),
       printing each evaluation, and writes the results JSON. With --rounds N it also prunes
       (or with --target-remaining PCT, until at most PCT% of the weights remain).
       With --ticket FILE it trains an exported ticket (a .safetensors file: mask, initial
       weights, settings) instead of a fresh dense network, with the ticket's settings (rounds 0,
       no controls) under any flags given: same settings, same numbers as in the run that found
       it; --rounds N prunes on from it.
",
                Imp => "\
imp    iterative magnitude pruning: the ticket and its controls at every level, over several
       seeds, run in parallel, for --rounds N or until --target-remaining PCT; writes per-trial JSON, a summary (JSON, CSV, Markdown), the
       learning curves (CSV) and a plot of test accuracy against weights remaining (SVG).
",
                Bench => "\
bench  training throughput of the --model network (default lenet-300-100) at five levels of the
       pruning ladder (for LeNet-300-100: 100, 51.3, 21.1, 6.95 and 3.6% of its weights), with the
       dense kernels, the sparse ones, and the automatic choice (median of R interleaved repetitions
       of N steps, default 200), and evaluation throughput; with --measure dense, only the dense
       network's training step, with the kernels training uses. Writes JSON (default
       bench/native.json).
",
            }
        }
    }

    const PRESETS: &str = "\
presets (imp; flags given after them override them):
  quick    1,500 iterations a round, evaluated every 150, 15 rounds (to 3.6%), random reinit
  paper    the paper: the model's iterations a round (LeNet-300-100 50,000; Conv-2/4/6 20,000/25,000/
           30,000), evaluated every 100, 18 rounds (to 1.85% for LeNet-300-100), random reinit
";

    const MODELS: &str = "\
models (--model): lenet-300-100 (default), lenet-5, conv-2, conv-4, conv-6 (the paper's widths, 64/128/256
  filters; slow), conv-2-quarter, conv-4-quarter, conv-6-quarter (a quarter of the filters), or a
  network as text, e.g. --model conv:32x3,pool,fc:100,fc:10 (layers conv:FxK[pP][sS], pool[:S], fc:N).
  The Conv models default to the paper's learning rate, iterations and conv pruning rate for them.
";

    /// The options, each with the commands it serves (the help of a command lists only its own).
    #[rustfmt::skip]
    const OPTIONS: [(&[Command], &str); 17] = [
        (&Command::ALL, "  --data DIR            folder with the four MNIST IDX files (default: data/mnist)\n"),
        (&[Train, Bench], "  --out FILE            train: where to write the results JSON (default: results/train-seed<SEED>.json);
                        bench: where to write its JSON (default: bench/native.json)
"),
        (&[Imp], "  --out-dir DIR         imp: folder for the reports (default: results/imp-<preset>)\n"),
        (&[Train], "  --ticket FILE         train: start from this ticket (see train above)\n"),
        (&[Train], "  --export-ticket FILE  train: write the ticket of the last round (--rounds; 0: the dense network)
                        as safetensors: per layer <layer>.weight and .bias (F32, the values the
                        survivors restart from: θ0, or θk with --reset rewind; fully connected
                        weights are (inputs, outputs)) and <layer>.weight_mask (U8, 1 kept)
"),
        (&[Train], "  --export-batches FILE train: write the training images of every step's batch (the same in
                        every round), one line per step, as numbers of MNIST's training file
                        (from 0), after a header line; see docs/pytorch.md
"),
        (&[Imp], "  --export-tickets DIR  imp: write every round's ticket of every trial, as
                        DIR/ticket-seed<SEED>-round<N>.safetensors
"),
        (&[Imp], "  --trials N            imp: seeds SEED, SEED+1, ..., SEED+N-1 (default 3, at most 1000)\n"),
        (&[Imp], "  --jobs N              imp: trials trained at once (default: the number of cores)\n"),
        (&[Bench], "  --repetitions R       bench: interleaved repetitions, of which the median is reported (default 5)\n"),
        (&[Bench], "  --measure WHAT        bench: ladder (default) or dense\n"),
        (&Command::ALL, "  --config FILE         a JSON object of settings; flags given after it override it\n"),
        (&[Train, Imp], "  --epochs E            sets --iterations to E epochs (an epoch is ⌊train size / batch⌋ iterations)\n"),
        (&[Train, Imp], "  --seed N              seeds every random choice; without one, a seed is drawn at random and printed\n"),
        (&Command::ALL, "  --SETTING VALUE       any setting of the config: --model, --seed, --init, --optimizer,
                        --learning-rate, --momentum, --beta1, --beta2, --epsilon, --batch-size,
                        --iterations, --eval-every, --validation-size, --train-size, --rounds,
                        --target-remaining PCT (instead of --rounds: prune until the ticket keeps
                        at most PCT% of the weights, e.g. 3.6; the fewest rounds that do it, at
                        most 40; the results record both),
                        --prune-rate, --prune-rate-output, --prune-rate-conv, --prune-scope layer|global,
                        --prune-schedule iterative|one_shot, --reset init|rewind|continue,
                        --rewind-step K, --controls random_reinit,random_prune
"),
        (&Command::ALL, "  --NAME=VALUE          the same as --NAME VALUE, for every option\n"),
        (&Command::ALL, "  -h, --help            this text (after a command: that command's options)\n"),
    ];

    /// The help of `command`, or of all commands: usage, what each does, presets (imp), models, options.
    fn help(command: Option<Command>) -> String {
        let commands: Vec<Command> = command.map_or(Command::ALL.to_vec(), |command| vec![command]);
        let usage: Vec<&str> = commands.iter().map(|command| command.usage()).collect();
        let mut sections = vec![format!("usage: {}\n", usage.join("\n       "))];
        sections.extend(commands.iter().map(|command| command.about().to_string()));
        if commands.contains(&Imp) {
            sections.push(PRESETS.into());
        }
        sections.push(MODELS.into());
        let options = OPTIONS.iter().filter(|(serves, _)| commands.iter().any(|command| serves.contains(command)));
        sections.push(options.fold("options:\n".to_string(), |list, (_, text)| list + text));
        sections.join("\n")
    }

    struct Options {
        data: PathBuf,
        out: Option<PathBuf>,
        trials: usize,
        jobs: usize,
        repetitions: usize,
        measure: Measure,
        preset: Option<String>,
        settings: Map<String, Value>,
        /// As written (for messages) and as a number.
        epochs: Option<(String, f64)>,
        ticket: Option<PathBuf>,
        export_ticket: Option<PathBuf>,
        export_tickets: Option<PathBuf>,
        export_batches: Option<PathBuf>,
    }

    fn preset(name: &str) -> Result<Map<String, Value>, String> {
        Preset::from_name(name).map(Preset::settings).map_err(|message| format!("--preset: {message}"))
    }

    /// Settings that say the same thing two ways: how long to prune.
    const PRUNE_UNTIL: [&str; 2] = ["rounds", "target_remaining"];

    /// Adds `new` settings over `settings`, as later flags override earlier ones; a `rounds` or a
    /// `target_remaining` alone replaces the other one too (a preset's rounds, a --config file's
    /// target), so that the last one said decides how long to prune.
    fn merge(settings: &mut Map<String, Value>, new: Map<String, Value>) {
        let given: Vec<&str> = PRUNE_UNTIL.into_iter().filter(|name| new.contains_key(*name)).collect();
        if let [one] = given[..] {
            settings.retain(|name, _| !PRUNE_UNTIL.contains(&name.as_str()) || name == one);
        }
        settings.extend(new);
    }

    fn parse_value(raw: &str) -> Value {
        serde_json::from_str::<serde_json::Number>(raw)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(raw.to_string()))
    }

    /// A whole number from 1 to `limit`.
    fn count(flag: &str, value: &str, limit: usize) -> Result<usize, String> {
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<usize>() {
            Ok(n) if (1..=limit).contains(&n) => Ok(n),
            Ok(n) if n > limit => Err(format!("{flag}: {n} is more than the limit of {limit}")),
            // Only digits and no number: past usize.
            Err(_) if digits => Err(format!("{flag}: {value} is more than the limit of {limit}")),
            _ => Err(format!("{flag}: expected a whole number above 0, got \"{value}\"")),
        }
    }

    fn parse_args(args: &[String]) -> Result<Options, String> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut options = Options {
            data: PathBuf::from("data/mnist"),
            out: None,
            trials: 3,
            jobs: cores,
            repetitions: 5,
            measure: Measure::Ladder,
            preset: None,
            settings: Map::new(),
            epochs: None,
            ticket: None,
            export_ticket: None,
            export_tickets: None,
            export_batches: None,
        };
        let mut flagged_prune_until = None; // --rounds or --target-remaining, whichever was given
        let mut parser = lexopt::Parser::from_args(args);
        while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
            // Every option takes a value, as `--name value` or `--name=value`.
            let name = match arg {
                lexopt::Arg::Long(name) => name.to_string(),
                lexopt::Arg::Short(letter) => {
                    return Err(format!("unexpected argument \"-{letter}\"; options start with --"))
                }
                lexopt::Arg::Value(value) => {
                    return Err(format!("unexpected argument \"{}\"; options start with --", value.to_string_lossy()))
                }
            };
            let flag = format!("--{name}");
            let value = match parser.value() {
                Ok(value) => value.into_string().map_err(|_| format!("{flag}: its value is not valid text"))?,
                Err(_) => return Err(format!("{flag} needs a value")),
            };
            match name.as_str() {
                "data" => options.data = PathBuf::from(value),
                "out" | "out-dir" => options.out = Some(PathBuf::from(value)),
                "ticket" => options.ticket = Some(PathBuf::from(value)),
                "export-ticket" => options.export_ticket = Some(PathBuf::from(value)),
                "export-tickets" => options.export_tickets = Some(PathBuf::from(value)),
                "export-batches" => options.export_batches = Some(PathBuf::from(value)),
                "trials" => options.trials = count(&flag, &value, MAX_TRIALS)?,
                "jobs" => options.jobs = count(&flag, &value, MAX_TRIALS)?,
                "repetitions" => options.repetitions = count(&flag, &value, usize::MAX)?,
                "measure" => {
                    options.measure = Measure::from_name(&value)
                        .ok_or_else(|| format!("--measure: expected ladder or dense, got \"{value}\""))?;
                }
                "preset" => {
                    merge(&mut options.settings, preset(&value)?);
                    options.preset = Some(value);
                }
                "epochs" => {
                    let epochs = value.parse::<f64>().ok().filter(|e| *e > 0.0 && e.is_finite());
                    let epochs =
                        epochs.ok_or_else(|| format!("--epochs: expected a positive number, got \"{value}\""))?;
                    options.epochs = Some((value, epochs));
                }
                "config" => {
                    let text = std::fs::read_to_string(&value).map_err(|e| format!("--config {value}: {e}"))?;
                    let parsed: Value =
                        serde_json::from_str(&text).map_err(|e| format!("--config {value}: not valid JSON: {e}"))?;
                    let object = parsed
                        .as_object()
                        .ok_or_else(|| format!("--config {value}: expected a JSON object of settings"))?;
                    merge(&mut options.settings, object.clone());
                }
                setting => {
                    let setting = setting.replace('-', "_");
                    if PRUNE_UNTIL.contains(&setting.as_str()) {
                        if flagged_prune_until.as_ref().is_some_and(|earlier| *earlier != flag) {
                            return Err(
                                "--rounds and --target-remaining: give one of them (--rounds N prunes N rounds; \
                                 --target-remaining PCT prunes until at most PCT% of the weights remain)"
                                    .into(),
                            );
                        }
                        flagged_prune_until = Some(flag);
                    }
                    merge(&mut options.settings, Map::from_iter([(setting, parse_value(&value))]));
                }
            }
        }
        Ok(options)
    }

    /// A seed from the operating system (getrandom), for a run given none: below 2^32, so that it
    /// is short to retype, and said on stderr; the results file holds it too.
    fn drawn_seed() -> Result<u64, Error> {
        let seed = getrandom::u32()
            .map_err(|e| Error::Usage(format!("no --seed given, and none could be drawn ({e}); give --seed N")))?;
        eprintln!("seed {seed}, drawn at random: give --seed {seed} to run it again");
        Ok(u64::from(seed))
    }

    fn config_of(options: &Options) -> Result<Config, Error> {
        let mut settings = options.settings.clone();
        if !settings.contains_key("seed") {
            settings.insert("seed".into(), json!(drawn_seed()?));
        }
        if let Some((text, epochs)) = &options.epochs {
            // An epoch depends on batch and training-set size: read them through the config's own checks.
            let sizes = Config::from_value(Value::Object(
                settings.iter().filter(|(k, _)| k.ends_with("_size")).map(|(k, v)| (k.clone(), v.clone())).collect(),
            ))?;
            let train_examples =
                if sizes.train_size > 0 { sizes.train_size } else { 60_000usize.saturating_sub(sizes.validation_size) };
            let per_epoch = train_examples / sizes.batch_size;
            let iterations = (epochs * per_epoch as f64).round();
            if iterations > MAX_ITERATIONS as f64 {
                return Err(Error::Usage(format!(
                    "--epochs: {text} epochs of {per_epoch} iterations are more than the limit of {MAX_ITERATIONS} \
                     iterations; give at most {} epochs",
                    MAX_ITERATIONS / per_epoch.max(1)
                )));
            }
            settings.insert("iterations".into(), json!((iterations as usize).max(1)));
        }
        Config::from_value(Value::Object(settings))
    }

    /// "15 pruning rounds", and the target they reach when one was given.
    fn rounds_text(config: &Config) -> String {
        let target = config.target_remaining.map(|t| format!(" (to at most {t}% of the weights)")).unwrap_or_default();
        format!("{} pruning rounds{target}", config.rounds)
    }

    fn percent(fraction: f64) -> String {
        format!("{:.2}%", fraction * 100.0)
    }

    fn print_evaluation_header() {
        println!(
            "{:>9} {:>7} {:>10} {:>9} {:>8} {:>9} {:>8}",
            "iteration", "epoch", "train-loss", "val-loss", "val-acc", "test-loss", "test-acc"
        );
    }

    /// `train`: every evaluation as a table row; rounds and problems as they come.
    fn print_train_event(event: &Event) {
        match event {
            Event::Evaluation { evaluation: e, .. } => println!(
                "{:>9} {:>7.2} {:>10} {:>9.4} {:>8} {:>9.4} {:>8}",
                e.iteration,
                e.epoch,
                e.train_loss.map_or("-".to_string(), |loss| format!("{loss:.4}")),
                e.validation_loss,
                percent(e.validation_accuracy),
                e.test_loss,
                percent(e.test_accuracy)
            ),
            Event::RoundDone(round) if round.level > 0 || round.branch != ticketlab::experiment::Branch::Ticket => {
                print_round(None, round);
                print_evaluation_header();
            }
            Event::Diverged { message, .. } => eprintln!("error: {message}"),
            _ => {}
        }
    }

    fn print_round(seed: Option<u64>, round: &ticketlab::experiment::RoundResult) {
        let trial = seed.map_or(String::new(), |s| format!("seed {s} | "));
        let early = round.early_stop.as_ref().expect("a finished round has evaluations");
        let last = round.last.as_ref().expect("a finished round has evaluations");
        println!(
            "{trial}{:<13} level {:>2} | {:>6.2}% of weights | early stop at {:>6}: test {} | end: test {} | {:.0} s",
            serde_json::to_value(round.branch).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            round.level,
            round.percent_remaining,
            early.iteration,
            percent(early.test_accuracy),
            percent(last.test_accuracy),
            round.seconds
        );
    }

    /// Makes sure `path` can be written before the work that fills it: creates its folder and
    /// opens it for writing, without truncating a file that exists (one made for the check is
    /// removed again). A path under a file, a folder, or one without permission is refused here.
    fn check_file(path: &Path) -> Result<(), Error> {
        create_parent(path)?;
        let existed = std::fs::symlink_metadata(path).is_ok();
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::data(&path.display().to_string(), format!("cannot write it: {e}")))?;
        if !existed {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// Creates `dir` (given by `flag`) and makes sure files can be written in it, before the work
    /// that fills it.
    fn check_folder(dir: &Path, flag: &str) -> Result<(), Error> {
        let fail = |e: std::io::Error| {
            Error::data(&dir.display().to_string(), format!("{flag} cannot write files in this folder: {e}"))
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let probe = dir.join(format!(".lth-write-check-{}", std::process::id()));
        std::fs::write(&probe, b"").map_err(fail)?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    fn create_parent(path: &Path) -> Result<(), Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::data(&parent.display().to_string(), format!("cannot create the folder: {e}")))?;
        }
        Ok(())
    }

    fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
        create_parent(path)?;
        std::fs::write(path, contents)
            .map_err(|e| Error::data(&path.display().to_string(), format!("cannot write it: {e}")))
    }

    fn write_results(path: &Path, results: &Results) -> Result<(), Error> {
        write_file(path, serde_json::to_string_pretty(results).expect("results serialise") + "\n")
    }

    fn load(config: Config, files: &[Vec<u8>; 4]) -> Result<Experiment, Error> {
        let mut experiment = Experiment::new(config);
        experiment.load_idx(files.each_ref().map(Vec::as_slice))?;
        Ok(experiment)
    }

    /// A ticket file, read and checked.
    fn read_ticket(path: &Path) -> Result<Ticket, Error> {
        let what = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::data(&what, format!("cannot read it: {e}")))?;
        Ticket::from_safetensors(&bytes, &what)
    }

    /// The ticket's settings, training it alone (rounds 0, no controls), under the `flags` given.
    fn ticket_settings(ticket: &Ticket, flags: Map<String, Value>) -> Map<String, Value> {
        let Value::Object(mut settings) = serde_json::to_value(&ticket.config).expect("config serialises") else {
            unreachable!("a config is an object")
        };
        settings.insert("rounds".into(), json!(0));
        settings.remove("target_remaining");
        settings.insert("controls".into(), json!([]));
        merge(&mut settings, flags);
        settings
    }

    fn train(mut options: Options) -> Result<Status, Error> {
        let ticket = options.ticket.as_deref().map(read_ticket).transpose()?;
        if let Some(ticket) = &ticket {
            options.settings = ticket_settings(ticket, std::mem::take(&mut options.settings));
        }
        let config = config_of(&options)?;
        let out =
            options.out.clone().unwrap_or_else(|| PathBuf::from(format!("results/train-seed{}.json", config.seed)));
        if let Some(path) = &options.export_ticket {
            check_ticket_export(&config, config.rounds)
                .map_err(|message| Error::Usage(format!("--export-ticket: {message}")))?;
            check_file(path)?;
        }
        if let Some(path) = &options.export_batches {
            check_file(path)?;
        }
        let mut experiment = Experiment::new(config.clone());
        if let Some(ticket) = ticket {
            eprintln!(
                "from the ticket in {}: round {} of its run, {:.2}% of the weights",
                options.ticket.as_deref().expect("read").display(),
                ticket.level,
                ticket.percent_remaining()
            );
            experiment.import_ticket(ticket)?;
        }
        experiment.load_idx(mnist::read_files(&options.data)?.each_ref().map(Vec::as_slice))?;
        // Written now, and again when the run ends: a path that cannot be written (under a file,
        // on a full disk) is refused before training, and a killed run leaves a file that says
        // it was running.
        write_results(&out, &experiment.results())?;
        if let Some(path) = &options.export_batches {
            let examples = experiment.results().train_examples;
            let (batch, seed, offset) = (config.batch_size, config.seed, config.validation_size);
            write_file(path, batch_order_text(examples, batch, seed, config.iterations, offset))?;
        }
        eprintln!(
            "training {} on MNIST: {} iterations of batch {}, {} {}, seed {}{}",
            config.model,
            config.iterations,
            config.batch_size,
            config.optimizer,
            config.learning_rate,
            config.seed,
            if config.rounds > 0 { format!(", then {}", rounds_text(&config)) } else { String::new() }
        );
        print_evaluation_header();
        let outcome = experiment.run_to_end(&SystemClock::new(), print_train_event);
        let results = experiment.results();
        write_results(&out, &results)?;
        outcome?;
        if let Some(path) = &options.export_ticket {
            write_file(path, experiment.ticket_safetensors(config.rounds)?)?;
            eprintln!("the ticket of round {} is in {}", config.rounds, path.display());
        }
        if let Some(last) = results.rounds.last().and_then(|r| r.last.as_ref()) {
            eprintln!(
                "last evaluation: test accuracy {} at iteration {} ({:.2} epochs); training {:.0} samples/s, evaluation {:.0} samples/s; results in {}",
                percent(last.test_accuracy),
                last.iteration,
                last.epoch,
                results.train_samples_per_second,
                results.evaluation_samples_per_second,
                out.display()
            );
        }
        Ok(results.status)
    }

    /// `imp`: the trials in parallel (one experiment per thread), then the reports.
    fn imp(mut options: Options) -> Result<Status, Error> {
        if options.preset.is_none() {
            // Without a preset, flags apply over the quick one.
            let mut settings = preset("quick").expect("known preset");
            merge(&mut settings, std::mem::take(&mut options.settings));
            options.settings = settings;
            options.preset = Some("quick".into());
        }
        let base = config_of(&options)?;
        if base.rounds == 0 {
            return Err(Error::config(
                "rounds",
                "iterative magnitude pruning needs at least 1 round (to train the dense network only, use lth train)",
            ));
        }
        let last_seed = base.seed + options.trials as u64 - 1; // seed <= 2^53 − 1, trials <= MAX_TRIALS
        if last_seed > MAX_SAFE_INTEGER {
            return Err(Error::Usage(format!(
                "--trials: seeds {} to {last_seed} go past {MAX_SAFE_INTEGER}, the largest seed (exact in JSON); \
                 start from a lower --seed",
                base.seed
            )));
        }
        let out_dir = options
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("results/imp-{}", options.preset.as_deref().unwrap_or("custom"))));
        check_folder(&out_dir, "--out-dir")?;
        if let Some(dir) = &options.export_tickets {
            for level in 0..=base.rounds {
                check_ticket_export(&base, level)
                    .map_err(|message| Error::Usage(format!("--export-tickets: {message}")))?;
            }
            check_folder(dir, "--export-tickets")?;
        }
        let files = mnist::read_files(&options.data)?;
        let segments = base.segments();
        eprintln!(
            "IMP on {}: {} trials (seeds {}..{}), {}, {} segments of {} iterations each per trial, {} at a time; reports in {}",
            base.model,
            options.trials,
            base.seed,
            last_seed,
            rounds_text(&base),
            segments,
            base.iterations,
            options.jobs.min(options.trials),
            out_dir.display()
        );
        let started = std::time::Instant::now();
        // Trial t trains seed + t; each takes the next trial not yet started.
        let next_trial = Mutex::new(0..options.trials);
        let finished: Mutex<Vec<(usize, Result<Results, Error>)>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..options.jobs.min(options.trials) {
                scope.spawn(|| loop {
                    let Some(index) = next_trial.lock().expect("no panics hold it").next() else { break };
                    let seed = base.seed + index as u64;
                    let config = Config::new(Settings { seed, ..base.settings().clone() });
                    let outcome = config.and_then(|config| load(config, &files)).and_then(|mut experiment| {
                        experiment.run_to_end(&SystemClock::new(), |event| match event {
                            Event::RoundDone(round) => print_round(Some(seed), round),
                            Event::Diverged { message, .. } => eprintln!("seed {seed}: error: {message}"),
                            _ => {}
                        })?;
                        if let Some(dir) = &options.export_tickets {
                            for level in 0..=experiment.config().rounds {
                                let path = dir.join(format!("ticket-seed{seed}-round{level}.safetensors"));
                                write_file(&path, experiment.ticket_safetensors(level)?)?;
                            }
                        }
                        Ok(experiment.results())
                    });
                    finished.lock().expect("no panics hold it").push((index, outcome));
                });
            }
        });
        let mut finished = finished.into_inner().expect("threads joined");
        finished.sort_by_key(|(index, _)| *index);
        let mut trials = Vec::new();
        for (_, outcome) in finished {
            let results = outcome?;
            write_file(
                &out_dir.join(format!("trial-seed{}.json", results.config.seed)),
                &(serde_json::to_string_pretty(&results).expect("serialises") + "\n"),
            )?;
            trials.push(results);
        }
        let rows = report::summarise(&trials);
        let seeds = if options.trials == 1 { "1 seed".to_string() } else { format!("{} seeds", options.trials) };
        let title =
            format!("{}: IMP over {seeds}, {} iterations per round, reset {}", base.model, base.iterations, base.reset);
        let summary = json!({
            "config": base,
            "trials": options.trials,
            "seeds": trials.iter().map(|t| t.config.seed).collect::<Vec<_>>(),
            "wall_seconds": started.elapsed().as_secs_f64(),
            "rows": rows,
        });
        write_file(
            &out_dir.join("summary.json"),
            &(serde_json::to_string_pretty(&summary).expect("serialises") + "\n"),
        )?;
        write_file(&out_dir.join("summary.csv"), report::summary_csv(&rows))?;
        let markdown = report::summary_markdown(&rows);
        write_file(&out_dir.join("summary.md"), &markdown)?;
        write_file(&out_dir.join("curves.csv"), report::curves_csv(&trials))?;
        write_file(&out_dir.join("accuracy.svg"), report::accuracy_svg(&rows, &title))?;
        println!("\n{markdown}");
        eprintln!("done in {:.0} s; reports in {}", started.elapsed().as_secs_f64(), out_dir.display());
        let worst = trials.iter().map(|t| t.status).find(|s| *s != Status::Done).unwrap_or(Status::Done);
        Ok(worst)
    }

    fn median(mut values: Vec<f64>) -> f64 {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }

    /// The name of a kernel choice's column in `lth bench`'s JSON (and, with spaces, its table).
    fn kernels_column(kernels: Kernels) -> &'static str {
        match kernels {
            Kernels::Dense => "dense_kernels",
            Kernels::Sparse => "sparse_kernels",
            Kernels::Auto => "automatic",
        }
    }

    /// `bench`: interleaved repetitions, medians, a table and a JSON file.
    fn bench(options: Options) -> Result<Status, Error> {
        use ticketlab::bench::{evaluation_throughput, percent_remaining, training_throughput, EVALUATION_PASSES};
        let mut settings = options.settings.clone();
        settings.entry("iterations").or_insert(json!(200));
        let config = Config::from_value(Value::Object(settings))?;
        let out = options.out.clone().unwrap_or_else(|| PathBuf::from("bench/native.json"));
        check_file(&out)?;
        let files = mnist::read_files(&options.data)?;
        let data = ticketlab::data::Mnist::from_idx(
            files.each_ref().map(Vec::as_slice),
            config.validation_size,
            config.train_size,
        )?;
        let clock = SystemClock::new();
        let (levels, kernels) = (options.measure.levels(), options.measure.kernels());
        let mut samples = vec![vec![Vec::new(); kernels.len()]; levels.len()];
        let mut evaluation = Vec::new();
        for repetition in 0..options.repetitions {
            eprintln!("{}: repetition {} of {}", config.model, repetition + 1, options.repetitions);
            for (level_index, &level) in levels.iter().enumerate() {
                for (kernel_index, &kernel) in kernels.iter().enumerate() {
                    samples[level_index][kernel_index].push(training_throughput(
                        &config,
                        &data,
                        level,
                        kernel,
                        config.iterations,
                        &clock,
                    ));
                }
            }
            if options.measure.times_evaluation() {
                evaluation.push(evaluation_throughput(&config, &data, EVALUATION_PASSES, &clock));
            }
        }
        let automatic = kernels.iter().position(|&k| k == Kernels::Auto).expect("always timed");
        let dense_network = median(samples[0][automatic].clone());
        let columns: Vec<&str> = kernels.iter().map(|&k| kernels_column(k)).collect();
        println!(
            "{}, training images/s:\n\n| weights remaining | {} | automatic / dense network |",
            config.model,
            columns.iter().map(|c| c.replace('_', " ")).collect::<Vec<_>>().join(" | ")
        );
        println!("|---:|{}---:|", "---:|".repeat(columns.len()));
        let mut rows = Vec::new();
        for (level_index, &level) in levels.iter().enumerate() {
            let medians: Vec<f64> = samples[level_index].iter().map(|s| median(s.clone())).collect();
            let percent_remaining = percent_remaining(&config, level);
            let over_dense_network = medians[automatic] / dense_network;
            let cells: Vec<String> = medians.iter().map(|m| format!("{m:.0}")).collect();
            println!("| {percent_remaining:.2}% | {} | {over_dense_network:.2}× |", cells.join(" | "));
            let mut row = json!({"level": level, "percent_remaining": percent_remaining});
            for (column, value) in columns.iter().zip(&medians) {
                row[column] = json!(value);
            }
            row["automatic_over_dense_network"] = json!(over_dense_network);
            rows.push(row);
        }
        println!(
            "\ntraining steps of batch {}, median of {} repetitions of {} steps",
            config.batch_size, options.repetitions, config.iterations
        );
        let mut report = json!({
            "model": config.model, "measure": options.measure.name(),
            "unit": "training examples per second", "batch_size": config.batch_size, "steps": config.iterations,
            "repetitions": options.repetitions, "sparse_below": ticketlab::nn::dense::SPARSE_BELOW,
            "training": rows,
        });
        if options.measure.times_evaluation() {
            let evaluation = median(evaluation);
            println!("evaluation (dense network): {evaluation:.0} images/s over {EVALUATION_PASSES} passes");
            report["evaluation_samples_per_second"] = json!(evaluation);
            report["evaluation_passes"] = json!(EVALUATION_PASSES);
        }
        write_file(&out, &(serde_json::to_string_pretty(&report).expect("serialises") + "\n"))?;
        Ok(Status::Done)
    }

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let command = args.first().and_then(|name| Command::from_name(name));
        if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help" || a == "help") {
            print!("{}", help(command));
            return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
        let usage = |message: String| {
            eprintln!("error: {message}\n\n{}", help(None));
            ExitCode::from(2)
        };
        let Some(command) = command else {
            return usage(format!("unknown command \"{}\"", args[0]));
        };
        let options = match parse_args(&args[1..]) {
            Ok(options) => options,
            Err(message) => return usage(message),
        };
        let misplaced = [
            ("--ticket", options.ticket.is_some(), Train),
            ("--export-ticket", options.export_ticket.is_some(), Train),
            ("--export-tickets", options.export_tickets.is_some(), Imp),
            ("--export-batches", options.export_batches.is_some(), Train),
        ];
        if let Some((flag, _, owner)) = misplaced.iter().find(|(_, given, owner)| *given && *owner != command) {
            return usage(format!("{flag} is an option of lth {}, not of lth {}", owner.name(), command.name()));
        }
        let outcome = match command {
            Train => train(options),
            Imp => imp(options),
            Bench => bench(options),
        };
        match outcome {
            Ok(Status::Done) => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(3),
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(1)
            }
        }
    }
}
