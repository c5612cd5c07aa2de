//! `lth`: the native command line over the same `Experiment` the page drives.
//!
//!     lth train [options]                      train (and, with --rounds, prune) one seed; with
//!                                              --ticket FILE, from an exported ticket
//!     lth imp [--preset quick|paper] [options] iterative magnitude pruning over --trials seeds
//!     lth imp ... --trials N --trial K         only trial K of those N (one job of a cluster's array)
//!     lth summarize [--partial] DIR...         the reports over the finished trials in DIR...
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
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::sync::Mutex;

    use serde_json::{json, Map, Value};
    use ticketlab::bench::{Kernels, Measure};
    use ticketlab::checkpoint::Checkpoint;
    use ticketlab::data::batches::batch_order_text;
    use ticketlab::data::{mnist, MnistFiles};
    use ticketlab::experiment::{check_ticket_export, Branch, Event, Experiment, Results, Share, Status, SystemClock};
    use ticketlab::limits::{MAX_ITERATIONS, MAX_TRIALS};
    use ticketlab::resume::{Progress, ResumeFiles};
    use ticketlab::rules::Preset;
    use ticketlab::ticket::Ticket;
    use ticketlab::trials::{self, Plan, PLAN_FILE};
    use ticketlab::{Config, Error};

    #[derive(Clone, Copy, PartialEq)]
    enum Command {
        Train,
        Imp,
        Summarize,
        Bench,
    }

    use Command::{Bench, Imp, Summarize, Train};

    impl Command {
        const ALL: [Command; 4] = [Train, Imp, Summarize, Bench];
        /// The commands that train (or time) networks, and so take settings and data.
        const RUNS: [Command; 3] = [Train, Imp, Bench];

        fn name(self) -> &'static str {
            match self {
                Train => "train",
                Imp => "imp",
                Summarize => "summarize",
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
                Imp => "lth imp [--preset quick|paper] [--trials N [--trial K]] [--resume] [--export-tickets DIR] [options]",
                Summarize => "lth summarize [--out-dir DIR] [--partial] DIR...",
                Bench => {
                    "lth bench [--model NAME] [--measure ladder|dense|schedule] [--iterations N] [--repetitions R] [--out FILE]"
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
       With --trial K, only trial K of the --trials N (seed SEED+K), as one job of many: it writes
       that trial's files of the whole run, bit for bit, and run.json (the run's settings and N);
       lth summarize then makes the reports. A trial keeps what resuming it needs in DIR/resume/
       as it goes; --resume goes on from there after a crash or a job's time limit (and keeps
       the trials that finished), with the numbers of a run never stopped.
",
                Summarize => "\
summarize  the reports of lth imp (summary JSON, CSV, Markdown, curves, plot) over the trials
       found in the folders given (each with the run.json of lth imp --trial K jobs), the same as
       the whole run's once every trial is there. A missing trial is an error that names it,
       unless --partial: then the reports cover the trials found and say which are missing.
",
                Bench => "\
bench  training throughput of the --model network (default lenet-300-100) at five levels of the
       pruning ladder (for LeNet-300-100: 100, 51.3, 21.1, 6.95 and 3.6% of its weights), with the
       dense kernels, the sparse ones, and the automatic choice (median of R interleaved repetitions
       of N steps, default 200), and evaluation throughput; with --measure dense, only the dense
       network's training step, with the kernels training uses; with --measure schedule, where a
       run's time goes: at each of the 16 levels to 3.6%, one evaluation interval (--eval-every
       steps, then the validation and test sets scored), the paper's rounds they make, and the
       run's time on 1, 2 and 3 workers. Writes JSON (default bench/native.json).
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
    const OPTIONS: [(&[Command], &str); 20] = [
        (&Command::RUNS, "  --data DIR            folder with the four MNIST IDX files (default: data/mnist)\n"),
        (&[Train, Bench], "  --out FILE            train: where to write the results JSON (default: results/train-seed<SEED>.json);
                        bench: where to write its JSON (default: bench/native.json)
"),
        (&[Imp], "  --out-dir DIR         imp: folder for the reports (default: results/imp-<preset>)\n"),
        (&[Summarize], "  --out-dir DIR         summarize: folder for the reports (default: the one DIR given)\n"),
        (&[Summarize], "  --partial             summarize: report the trials found even if some are missing (say which)\n"),
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
        (&[Imp], "  --trials N            imp: seeds SEED, SEED+1, ..., SEED+N-1 (default 3, at most 1000)
  --trial K             imp: only trial K (0 to N-1, seed SEED+K) of --trials N; see docs/cluster.md
"),
        (&[Imp], "  --resume              imp: go on from where the trials stopped (their files in --out-dir's resume/),\n                        keeping those that finished\n"),
        (&[Imp], "  --jobs N              imp: threads (default: the number of cores): that many trials at once, and a\n                        trial with threads to spare splits its ticket and controls over them\n"),
        (&[Bench], "  --repetitions R       bench: interleaved repetitions, of which the median is reported (default 5)\n"),
        (&[Bench], "  --measure WHAT        bench: ladder (default), dense, or schedule (where a run's time goes)\n"),
        (&Command::RUNS, "  --config FILE         a JSON object of settings; flags given after it override it\n"),
        (&[Train, Imp], "  --epochs E            sets --iterations to E epochs (an epoch is ⌊train size / batch⌋ iterations)\n"),
        (&[Train, Imp], "  --seed N              seeds every random choice; without one, a seed is drawn at random and printed\n"),
        (&Command::RUNS, "  --SETTING VALUE       any setting of the config: --model, --seed, --init, --optimizer,
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
        /// Whether --trials was given (--trial needs it).
        trials_given: bool,
        trial: Option<usize>,
        partial: bool,
        /// imp: go on from the resume files of trials that stopped, and keep finished trials.
        resume: bool,
        /// summarize: the folders of trials.
        folders: Vec<PathBuf>,
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

    /// A trial's K: a whole number from 0 (below --trials, checked later).
    fn trial_number(value: &str) -> Result<usize, String> {
        value.parse::<usize>().map_err(|_| {
            format!("--trial: expected a trial's number, from 0 to the number of --trials minus 1, got \"{value}\"")
        })
    }

    fn parse_args(args: &[String]) -> Result<Options, String> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut options = Options {
            data: PathBuf::from("data/mnist"),
            out: None,
            trials: 3,
            trials_given: false,
            trial: None,
            partial: false,
            resume: false,
            folders: Vec::new(),
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
            // Every option but --partial and --resume takes a value, as `--name value` or
            // `--name=value`; other arguments are summarize's folders.
            let name = match arg {
                lexopt::Arg::Long("partial") => {
                    options.partial = true;
                    continue;
                }
                lexopt::Arg::Long("resume") => {
                    options.resume = true;
                    continue;
                }
                lexopt::Arg::Long(name) => name.to_string(),
                lexopt::Arg::Short(letter) => {
                    return Err(format!("unexpected argument \"-{letter}\"; options start with --"))
                }
                lexopt::Arg::Value(value) => {
                    options.folders.push(PathBuf::from(value));
                    continue;
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
                "trials" => {
                    options.trials = count(&flag, &value, MAX_TRIALS)?;
                    options.trials_given = true;
                }
                "trial" => options.trial = Some(trial_number(&value)?),
                "jobs" => options.jobs = count(&flag, &value, MAX_TRIALS)?,
                "repetitions" => options.repetitions = count(&flag, &value, usize::MAX)?,
                "measure" => {
                    options.measure = Measure::from_name(&value)
                        .ok_or_else(|| format!("--measure: expected ladder, dense or schedule, got \"{value}\""))?;
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
            let train_examples = if sizes.train_size > 0 {
                sizes.train_size
            } else {
                mnist::TRAINING_SET_IMAGES.saturating_sub(sizes.validation_size)
            };
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

    /// `share` of the run `config` describes, resumed from `checkpoint` if given, with MNIST loaded.
    fn load(
        config: Config,
        share: Share,
        checkpoint: Option<&Checkpoint>,
        files: &MnistFiles,
    ) -> Result<Experiment, Error> {
        let mut experiment = Experiment::with_share(config, share);
        if let Some(checkpoint) = checkpoint {
            experiment.resume_from(checkpoint.clone())?;
        }
        experiment.load_mnist(files)?;
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

    /// `imp`: the trials in parallel (one experiment per thread), then the reports; with --trial K,
    /// trial K alone, and no reports (`summarize` makes them).
    fn imp(mut options: Options) -> Result<Status, Error> {
        if options.preset.is_none() {
            // Without a preset, flags apply over the quick one.
            let mut settings = preset("quick").expect("known preset");
            merge(&mut settings, std::mem::take(&mut options.settings));
            options.settings = settings;
            options.preset = Some("quick".into());
        }
        if options.trial.is_some() && !options.settings.contains_key("seed") {
            // A seed drawn at random would differ from job to job: their trials would be of different runs.
            return Err(Error::Usage(
                "--trial: give --seed too, the same in every job of the run (each job would draw its own otherwise)"
                    .into(),
            ));
        }
        let base = config_of(&options)?;
        if base.rounds == 0 {
            return Err(Error::config(
                "rounds",
                "iterative magnitude pruning needs at least 1 round (to train the dense network only, use lth train)",
            ));
        }
        let plan = Plan::new(base, options.trials)?;
        let indices = trial_indices(&options, &plan)?;
        let out_dir = options
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("results/imp-{}", options.preset.as_deref().unwrap_or("custom"))));
        check_folder(&out_dir, "--out-dir")?;
        if let Some(dir) = &options.export_tickets {
            for level in 0..=plan.config.rounds {
                check_ticket_export(&plan.config, level)
                    .map_err(|message| Error::Usage(format!("--export-tickets: {message}")))?;
            }
            check_folder(dir, "--export-tickets")?;
        }
        // Read and checked once: every trial and thread reads this copy.
        let files = MnistFiles::new(mnist::read_files(&options.data)?)?;
        write_plan(&out_dir, &plan, options.trial.is_some())?;
        let base = &plan.config;
        let seeds = indices.iter().map(|&k| base.seed + k as u64).collect::<Vec<_>>();
        // The threads that will work: trials at once, each split into its shares.
        let (at_once, threads_per_trial) = thread_split(options.jobs, indices.len());
        let threads = at_once * share_configs(base, threads_per_trial)?.len();
        eprintln!(
            "IMP on {}: {} (seed{} {}), {}, {} segments of {} iterations each per trial, on {} thread{}; {} in {}",
            base.model,
            match options.trial {
                Some(k) => format!("trial {k} of {}", plan.trials),
                None => format!("{} trials", plan.trials),
            },
            if seeds.len() == 1 { "" } else { "s" },
            if seeds.len() == 1 { seeds[0].to_string() } else { format!("{}..{}", seeds[0], seeds[seeds.len() - 1]) },
            rounds_text(base),
            base.segments(),
            base.iterations,
            threads,
            if threads == 1 { "" } else { "s" },
            if options.trial.is_some() { "results" } else { "reports" },
            out_dir.display()
        );
        let started = std::time::Instant::now();
        let trials = run_trials(&options, &plan, indices, &files, &out_dir)?;
        if let Some(k) = options.trial {
            let file = out_dir.join(Plan::trial_file(seeds[0]));
            let ended = match worst_status(&trials) {
                Status::Done => "done".to_string(),
                status => format!("ended early ({status:?})"),
            };
            eprintln!(
                "trial {k} {ended} in {:.0} s: {}; once every trial has finished: lth summarize {}",
                started.elapsed().as_secs_f64(),
                file.display(),
                out_dir.display()
            );
        } else {
            write_reports(&out_dir, &plan, &trials, Some(started.elapsed().as_secs_f64()))?;
            eprintln!("done in {:.0} s; reports in {}", started.elapsed().as_secs_f64(), out_dir.display());
        }
        Ok(worst_status(&trials))
    }

    /// The trials this run trains: all of the plan's, or --trial K's.
    fn trial_indices(options: &Options, plan: &Plan) -> Result<Vec<usize>, Error> {
        match options.trial {
            None => Ok((0..plan.trials).collect()),
            Some(_) if !options.trials_given => Err(Error::Usage(
                "--trial K needs --trials N, the number of trials of the whole run (trial K trains seed SEED+K)".into(),
            )),
            Some(k) if k >= plan.trials => Err(Error::Usage(format!(
                "--trial {k}: a run of --trials {n} has trials 0 to {} (they count from 0); give --trial from 0 to {}",
                plan.trials - 1,
                plan.trials - 1,
                n = plan.trials
            ))),
            Some(k) => Ok(vec![k]),
        }
    }

    /// Writes run.json into `dir`. One trial of many (`one_trial`) refuses a folder whose run.json
    /// is another run's, so that trials of different runs never mix; it writes through a temporary
    /// file, so that jobs starting together each leave the whole file.
    fn write_plan(dir: &Path, plan: &Plan, one_trial: bool) -> Result<(), Error> {
        let path = dir.join(PLAN_FILE);
        let text = plan.to_json();
        if one_trial {
            if let Ok(existing) = std::fs::read_to_string(&path) {
                if existing == text {
                    return Ok(());
                }
                let what = path.display().to_string();
                let theirs = Plan::from_json(&existing, &what)?;
                let difference = trials::difference(&theirs.config, &plan.config)
                    .unwrap_or_else(|| format!("trials: {} against {}", theirs.trials, plan.trials));
                return Err(Error::data(
                    &what,
                    format!(
                        "this folder holds the trials of another run ({difference}); give this run another --out-dir, \
                         or remove the folder if its trials are not wanted"
                    ),
                ));
            }
        }
        let temporary = dir.join(format!(".{PLAN_FILE}.{}", std::process::id()));
        write_file(&temporary, &text)?;
        std::fs::rename(&temporary, &path)
            .map_err(|e| Error::data(&path.display().to_string(), format!("cannot write it: {e}")))
    }

    /// How `jobs` threads are spent on `trials` trials: that many trials at once (all of them if
    /// there are fewer), and the threads each of those gets to split its branches over.
    fn thread_split(jobs: usize, trials: usize) -> (usize, usize) {
        let at_once = jobs.min(trials).max(1);
        (at_once, jobs / at_once)
    }

    /// Trains the trials `indices` of `plan` on `--jobs` threads; their results in order of index.
    /// Trials run `--jobs` at a time; when there are more threads than trials, each trial's
    /// branches are split over the threads it gets (`run_trial`).
    fn run_trials(
        options: &Options,
        plan: &Plan,
        indices: Vec<usize>,
        files: &MnistFiles,
        out_dir: &Path,
    ) -> Result<Vec<Results>, Error> {
        let (at_once, threads_per_trial) = thread_split(options.jobs, indices.len());
        // Each of `at_once` threads takes the next trial not yet started.
        let next_trial = Mutex::new(indices.into_iter());
        let finished: Mutex<Vec<(usize, Result<Results, Error>)>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..at_once {
                scope.spawn(|| loop {
                    let Some(index) = next_trial.lock().expect("no panics hold it").next() else { break };
                    let outcome = plan.trial_config(index).and_then(|config| {
                        let trial = Trial { plan, index, config, out_dir };
                        trial.run(threads_per_trial, options, files)
                    });
                    finished.lock().expect("no panics hold it").push((index, outcome));
                });
            }
        });
        let mut finished = finished.into_inner().expect("threads joined");
        finished.sort_by_key(|(index, _)| *index);
        finished.into_iter().map(|(_, outcome)| outcome).collect()
    }

    /// Trial `index` of `plan`, its files in `out_dir`.
    struct Trial<'a> {
        plan: &'a Plan,
        index: usize,
        config: Config,
        out_dir: &'a Path,
    }

    impl Trial<'_> {
        /// The trial to its end on up to `threads` threads, printing its rounds; its results file
        /// written, and its tickets exported if asked. With two threads or more and controls to
        /// train, the ticket's chain runs on one thread and the controls are dealt over the others
        /// (`share_configs`); the results are the same, bit for bit but for times, as on one thread
        /// (tests/trials.rs). With --resume, a trial whose results file is there is kept as it is,
        /// and one that stopped goes on from its resume files.
        fn run(self, threads: usize, options: &Options, files: &MnistFiles) -> Result<Results, Error> {
            let (config, seed) = (&self.config, self.config.seed);
            let results_file = self.out_dir.join(Plan::trial_file(seed));
            if options.resume {
                if let Some(results) = self.finished(&results_file)? {
                    return Ok(results);
                }
            }
            let resume_files = ResumeFiles::of(self.out_dir, seed);
            let resumed = if options.resume { resume_files.read(config)? } else { None };
            let (checkpoint, earlier) = match resumed {
                Some((checkpoint, earlier)) => {
                    if options.export_tickets.is_some() {
                        return Err(Error::Usage(format!(
                            "--export-tickets with --resume: trial {} resumes after round {}, and the tickets of \
                             the rounds before are not kept; run it without --resume to export them all",
                            self.index, checkpoint.level
                        )));
                    }
                    eprintln!(
                        "seed {seed}: resuming after round {} ({} rounds kept from {})",
                        checkpoint.level,
                        earlier.len(),
                        resume_files.rounds.display()
                    );
                    (Some(checkpoint), earlier)
                }
                None => (None, Vec::new()),
            };
            let log = TrialLog {
                seed,
                config,
                progress: Mutex::new(Progress::new(config, earlier.clone(), checkpoint.as_ref().map(|c| c.level))),
                files: &resume_files,
            };
            let shares = share_configs(config, threads)?;
            let (ticket, parts) = run_shares(shares, checkpoint.as_ref(), files, &log)?;
            if let Some(dir) = &options.export_tickets {
                for level in 0..=ticket.config().rounds {
                    let path = dir.join(format!("ticket-seed{seed}-round{level}.safetensors"));
                    write_file(&path, ticket.ticket_safetensors(level)?)?;
                }
            }
            let results = ticketlab::parts::whole_run(parts, earlier, config).expect("one part or more");
            write_results(&results_file, &results)?;
            resume_files.remove();
            Ok(results)
        }

        /// With --resume: the results this trial wrote when it finished before, if it did (a
        /// results file of other settings is an error, as in `lth summarize`).
        fn finished(&self, results_file: &Path) -> Result<Option<Results>, Error> {
            let Some(results) = read_trial_results(results_file)? else { return Ok(None) };
            let what = results_file.display().to_string();
            if self.plan.trial_of(&results, &what)? != self.index || results.status != Status::Done {
                return Ok(None);
            }
            eprintln!("seed {}: finished before, kept from {what}", self.config.seed);
            Ok(Some(results))
        }
    }

    /// What a trial's threads report as they go: each round printed, and what resuming the trial
    /// needs kept in its resume files.
    struct TrialLog<'a> {
        seed: u64,
        config: &'a Config,
        progress: Mutex<Progress>,
        files: &'a ResumeFiles,
    }

    impl TrialLog<'_> {
        fn event(&self, event: &Event) {
            match event {
                Event::RoundDone(round) => {
                    print_round(Some(self.seed), round);
                    let mut progress = self.progress.lock().expect("no panics hold it");
                    progress.round_done(round.clone());
                    self.keep(&mut progress);
                }
                Event::Diverged { message, .. } => eprintln!("seed {}: error: {message}", self.seed),
                _ => {}
            }
        }

        /// The ticket's rounds up to `level` have finished: its checkpoint, to keep once the
        /// controls up to `level` have too.
        fn ticket_round_done(&self, ticket: &Experiment) {
            match ticket.checkpoint() {
                Ok(checkpoint) => {
                    let mut progress = self.progress.lock().expect("no panics hold it");
                    progress.add_checkpoint(checkpoint);
                    self.keep(&mut progress);
                }
                Err(error) => eprintln!("seed {}: warning: no checkpoint to resume from: {error}", self.seed),
            }
        }

        /// Writes the resume files when there is a newer checkpoint to keep. A file that cannot be
        /// written does not stop the trial: only a resume would need it.
        fn keep(&self, progress: &mut Progress) {
            if let Some((checkpoint, rounds)) = progress.to_keep() {
                if let Err(error) = self.files.write(&checkpoint, &rounds, self.config) {
                    eprintln!("seed {}: warning: the trial goes on, but could not be resumed: {error}", self.seed);
                }
            }
        }
    }

    /// A trial's shares for `threads` threads: the whole trial when it has no controls or one
    /// thread; else the ticket's share, then its controls dealt over up to `threads - 1` shares
    /// (control i to share i mod count), as the page deals them over its workers.
    fn share_configs(config: &Config, threads: usize) -> Result<Vec<(Share, Config)>, Error> {
        let groups = config.controls.len().min(threads.saturating_sub(1));
        if groups == 0 {
            return Ok(vec![(Share::All, config.clone())]);
        }
        let mut shares = vec![(Share::Ticket, config.clone())];
        for group in 0..groups {
            let mut settings = config.settings().clone();
            settings.controls = config.controls.iter().copied().skip(group).step_by(groups).collect();
            shares.push((Share::Controls, Config::new(settings)?));
        }
        Ok(shares)
    }

    /// What the ticket's thread sends each controls thread: the mask of a level, with θk (with
    /// `--reset rewind`) before the first. The channel closes when the ticket's share has ended.
    struct MaskMessage {
        level: usize,
        bytes: Vec<u8>,
        rewind: Option<Vec<f32>>,
    }

    /// Runs `shares` (the ticket's first, or the whole trial alone) on a thread each, from
    /// `checkpoint` if it resumes, each mask going from the ticket's thread to the others as soon
    /// as it is known. Returns the ticket's experiment and every share's results, the ticket's first.
    fn run_shares(
        shares: Vec<(Share, Config)>,
        checkpoint: Option<&Checkpoint>,
        files: &MnistFiles,
        log: &TrialLog,
    ) -> Result<(Experiment, Vec<Results>), Error> {
        let experiments = shares.into_iter().map(|(share, config)| load(config, share, checkpoint, files));
        let mut experiments = experiments.collect::<Result<Vec<_>, Error>>()?.into_iter();
        let mut ticket = experiments.next().expect("the ticket's share comes first");
        let (senders, controls): (Vec<_>, Vec<_>) = experiments
            .map(|share| {
                let (tx, rx) = channel();
                (tx, (share, rx))
            })
            .unzip();
        let controls = std::thread::scope(|scope| {
            let threads: Vec<_> = controls
                .into_iter()
                .map(|(share, masks)| scope.spawn(move || run_controls(share, masks, log)))
                .collect();
            let outcome = run_ticket(&mut ticket, &senders, log);
            // However the ticket's share ended, the controls' shares wait for no more masks.
            drop(senders);
            let controls: Result<Vec<_>, Error> =
                threads.into_iter().map(|thread| thread.join().expect("a controls thread does not panic")).collect();
            outcome.and(controls)
        })?;
        let parts = std::iter::once(ticket.results()).chain(controls.iter().map(Experiment::results)).collect();
        Ok((ticket, parts))
    }

    /// The ticket's share to its end, each mask sent on as it is announced, and a checkpoint
    /// taken after each of its rounds but the last.
    fn run_ticket(ticket: &mut Experiment, senders: &[Sender<MaskMessage>], log: &TrialLog) -> Result<(), Error> {
        let (clock, rewinds) = (SystemClock::new(), ticket.config().rewind_step > 0);
        while ticket.status() == Status::Running {
            let events = ticket.step(250.0, &clock)?;
            let mut ticket_round_done = false;
            for event in &events {
                match event {
                    Event::TicketMask { level } => {
                        let bytes = ticket.ticket_mask(*level).expect("announced").to_bytes();
                        let rewind =
                            (rewinds && *level == 1).then(|| ticket.rewind_params().expect("θk is known").to_vec());
                        for tx in senders {
                            // A controls thread that has ended (on an error) takes no more masks.
                            let _ =
                                tx.send(MaskMessage { level: *level, bytes: bytes.clone(), rewind: rewind.clone() });
                        }
                    }
                    Event::RoundDone(round) if round.branch == Branch::Ticket => {
                        ticket_round_done = round.complete && round.level < ticket.config().rounds;
                    }
                    _ => {}
                }
                log.event(event);
            }
            // After the step: a step may hold more than one round, and the checkpoint is the latest's.
            if ticket_round_done {
                log.ticket_round_done(ticket);
            }
        }
        Ok(())
    }

    /// A controls share to its end: it trains while it has masks and waits for the next one.
    fn run_controls(mut share: Experiment, masks: Receiver<MaskMessage>, log: &TrialLog) -> Result<Experiment, Error> {
        let clock = SystemClock::new();
        let take = |share: &mut Experiment, MaskMessage { level, bytes, rewind }| -> Result<(), Error> {
            if let Some(params) = rewind {
                share.set_rewind_params(&params)?;
            }
            share.add_ticket_mask(level, &bytes)
        };
        loop {
            match share.status() {
                Status::Waiting => match masks.recv() {
                    Ok(message) => take(&mut share, message)?,
                    Err(_) => share.inputs_finished(),
                },
                Status::Running => {
                    for message in masks.try_iter() {
                        take(&mut share, message)?;
                    }
                    share.step(250.0, &clock)?.iter().for_each(|event| log.event(event));
                }
                _ => return Ok(share),
            }
        }
    }

    /// The reports over `trials` into `dir`, the Markdown table also printed.
    fn write_reports(dir: &Path, plan: &Plan, trials: &[Results], wall_seconds: Option<f64>) -> Result<(), Error> {
        for (name, contents) in trials::reports(plan, trials, wall_seconds) {
            write_file(&dir.join(name), &contents)?;
            if name == "summary.md" {
                println!("\n{contents}");
            }
        }
        Ok(())
    }

    /// Done, or the first trial's status that is not.
    fn worst_status(trials: &[Results]) -> Status {
        trials.iter().map(|t| t.status).find(|s| *s != Status::Done).unwrap_or(Status::Done)
    }

    /// `summarize`: the reports over the trials in `options.folders`, which must all be of one run
    /// and, unless --partial, hold every one of its trials.
    fn summarize(options: Options) -> Result<Status, Error> {
        if options.folders.is_empty() {
            return Err(Error::Usage(
                "lth summarize needs the folders of the trials (the --out-dir of lth imp): lth summarize DIR...".into(),
            ));
        }
        if !options.settings.is_empty() || options.preset.is_some() || options.epochs.is_some() || options.trials_given
        {
            return Err(Error::Usage(
                "lth summarize takes no settings, preset or --trials: they come from the run.json in its folders"
                    .into(),
            ));
        }
        let out_dir = match (&options.out, &options.folders[..]) {
            (Some(dir), _) => dir.clone(),
            (None, [folder]) => folder.clone(),
            (None, _) => {
                return Err(Error::Usage(
                    "lth summarize with several folders needs --out-dir DIR, where the reports go".into(),
                ))
            }
        };
        if let Some(twice) =
            options.folders.iter().enumerate().find_map(|(i, f)| options.folders[..i].contains(f).then_some(f))
        {
            return Err(Error::Usage(format!("the folder {} is given twice; give each folder once", twice.display())));
        }
        let plan = read_plans(&options.folders)?;
        let (present, trials) = read_trials(&options.folders, &plan)?;
        let missing = trials::missing(&plan, &present);
        if !missing.is_empty() {
            let what = format!(
                "{} of the run's {} trials are missing: {}",
                missing.len(),
                plan.trials,
                trials::named(&plan, &missing)
            );
            if trials.is_empty() {
                return Err(Error::Usage(format!("{what}, that is all of them: there is nothing to summarize yet")));
            }
            if !options.partial {
                return Err(Error::Usage(format!(
                    "{what}. Run them (lth imp with the run's settings and --trials {} --trial K), or summarize the \
                     {} that finished with --partial",
                    plan.trials,
                    trials.len()
                )));
            }
            eprintln!("a partial summary: {what}");
        }
        check_folder(&out_dir, "--out-dir")?;
        write_reports(&out_dir, &plan, &trials, None)?;
        eprintln!("summarized {}; reports in {}", trials::named(&plan, &present), out_dir.display());
        Ok(worst_status(&trials))
    }

    /// The one plan of `folders`: each must hold a run.json, and all the same.
    fn read_plans(folders: &[PathBuf]) -> Result<Plan, Error> {
        let mut first: Option<(Plan, &PathBuf)> = None;
        for folder in folders {
            let path = folder.join(PLAN_FILE);
            let what = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::data(
                    &folder.display().to_string(),
                    format!(
                        "not a folder of lth imp's trials: cannot read its {PLAN_FILE} ({e}), which lth imp writes \
                         beside its trials' results; give the --out-dir of lth imp runs"
                    ),
                )
            })?;
            let plan = Plan::from_json(&text, &what)?;
            match &first {
                None => first = Some((plan, folder)),
                Some((earlier, _)) if *earlier == plan => {}
                Some((earlier, earlier_folder)) => {
                    let difference = trials::difference(&earlier.config, &plan.config)
                        .unwrap_or_else(|| format!("trials: {} against {}", earlier.trials, plan.trials));
                    return Err(Error::Usage(format!(
                        "{} and {} hold trials of different runs ({difference}, in their {PLAN_FILE}); summarize each \
                         run's folders apart",
                        earlier_folder.display(),
                        folder.display()
                    )));
                }
            }
        }
        Ok(first.expect("at least one folder").0)
    }

    /// The plan's trials found in `folders`: their K and results, in order of K. A trial found
    /// twice, or one of other settings, is an error.
    fn read_trials(folders: &[PathBuf], plan: &Plan) -> Result<(Vec<usize>, Vec<Results>), Error> {
        let mut found: Vec<(usize, PathBuf, Results)> = Vec::new();
        for seed in plan.seeds() {
            for folder in folders {
                let path = folder.join(Plan::trial_file(seed));
                let Some(results) = read_trial_results(&path)? else { continue };
                let what = path.display().to_string();
                let k = plan.trial_of(&results, &what)?;
                if let Some((_, earlier, _)) = found.iter().find(|(other, _, _)| *other == k) {
                    return Err(Error::Usage(format!(
                        "trial {k} (seed {seed}) is in two folders: {} and {}; leave one of them out (or remove one \
                         file)",
                        earlier.display(),
                        path.display()
                    )));
                }
                found.push((k, path, results));
            }
        }
        Ok(found.into_iter().map(|(k, _, results)| (k, results)).unzip())
    }

    /// A trial's results file, if there is one; an error if it is not a trial's results.
    fn read_trial_results(path: &Path) -> Result<Option<Results>, Error> {
        let Ok(text) = std::fs::read_to_string(path) else { return Ok(None) };
        let results = serde_json::from_str(&text).map_err(|e| {
            Error::data(
                &path.display().to_string(),
                format!("not the results of a trial of lth imp: {e}; run that trial again"),
            )
        })?;
        Ok(Some(results))
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
        use ticketlab::bench::{
            evaluation_throughput, peak_multiply_adds_per_second, percent_remaining, share_of_peak,
            training_throughput, EVALUATION_PASSES, PEAK_ROUNDS,
        };
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
        if options.measure == Measure::Schedule {
            return bench_schedule(&options, &config, &data, &out);
        }
        let (levels, kernels) = (options.measure.levels(), options.measure.kernels());
        let mut samples = vec![vec![Vec::new(); kernels.len()]; levels.len()];
        let (mut evaluation, mut peak) = (Vec::new(), Vec::new());
        for repetition in 0..options.repetitions {
            peak.push(peak_multiply_adds_per_second(PEAK_ROUNDS, &clock));
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
        let peak = median(peak);
        let share = share_of_peak(&config, dense_network, peak);
        println!(
            "the dense network's step: {:.1} G multiply-adds/s (as a dense step counts them), {:.0}% of this \
             core's peak of {:.1} G (128-bit vectors, a multiply then an add)",
            share * peak / 1e9,
            100.0 * share,
            peak / 1e9
        );
        let mut report = json!({
            "model": config.model, "measure": options.measure.name(),
            "unit": "training examples per second", "batch_size": config.batch_size, "steps": config.iterations,
            "repetitions": options.repetitions, "sparse_below": ticketlab::nn::dense::SPARSE_BELOW,
            "training": rows,
            "peak_multiply_adds_per_second": peak,
            "training_multiply_adds_per_image": config.model_spec().footprint().training_multiply_adds(),
            "dense_network_share_of_peak": share,
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

    /// `bench --measure schedule`: each level's evaluation interval (median of the repetitions),
    /// the rounds of the paper's schedule they make, and when a run of them ends on 1, 2 and 3
    /// workers.
    fn bench_schedule(
        options: &Options,
        config: &Config,
        data: &ticketlab::data::Mnist,
        out: &Path,
    ) -> Result<Status, Error> {
        use ticketlab::bench::{interval_seconds, percent_remaining, planned_seconds, SCHEDULE_LEVELS};
        /// The paper's iterations a round for LeNet-300-100.
        const PAPER_ITERATIONS: usize = 50_000;
        let clock = SystemClock::new();
        let mut samples = vec![(Vec::new(), Vec::new()); SCHEDULE_LEVELS.len()];
        for repetition in 0..options.repetitions {
            eprintln!("{}: repetition {} of {}", config.model, repetition + 1, options.repetitions);
            for (&level, (training, evaluation)) in SCHEDULE_LEVELS.iter().zip(&mut samples) {
                let interval = interval_seconds(config, data, level, &clock);
                training.push(interval.training);
                evaluation.push(interval.evaluation);
            }
        }
        let intervals_a_round = (PAPER_ITERATIONS / config.eval_every) as f64;
        println!(
            "{}, one evaluation interval ({} training steps of batch {}, then the validation and test sets scored), \
             median of {} repetitions:\n",
            config.model, config.eval_every, config.batch_size, options.repetitions
        );
        println!("| level | weights remaining | training s | evaluation s | evaluation share | a round of {PAPER_ITERATIONS} iterations, s |");
        println!("|---:|---:|---:|---:|---:|---:|");
        let (mut rows, mut rounds) = (Vec::new(), Vec::new());
        for (&level, (training, evaluation)) in SCHEDULE_LEVELS.iter().zip(samples) {
            let (training, evaluation) = (median(training), median(evaluation));
            let round = (training + evaluation) * intervals_a_round;
            let percent = percent_remaining(config, level);
            let share = evaluation / (training + evaluation);
            println!(
                "| {level} | {percent:.2}% | {training:.3} | {evaluation:.3} | {:.0}% | {round:.0} |",
                100.0 * share
            );
            rows.push(json!({"level": level, "percent_remaining": percent, "training_seconds": training,
                "evaluation_seconds": evaluation, "round_seconds": round}));
            rounds.push(round);
        }
        let planned: Vec<Value> = [1, 2, 3]
            .iter()
            .map(|&workers| json!({"workers": workers, "controls": 1, "seconds": planned_seconds(&rounds, 1, workers)}))
            .collect();
        println!("\nthe paper's schedule to 3.6% (15 rounds of {PAPER_ITERATIONS} iterations) with random re-initialisation:");
        for plan in &planned {
            println!("  on {} worker(s): {:.0} s", plan["workers"], plan["seconds"].as_f64().expect("a number"));
        }
        let report = json!({
            "model": config.model, "measure": "schedule", "batch_size": config.batch_size,
            "eval_every": config.eval_every, "validation_size": config.validation_size,
            "repetitions": options.repetitions, "paper_iterations": PAPER_ITERATIONS,
            "levels": rows, "planned": planned,
        });
        write_file(out, &(serde_json::to_string_pretty(&report).expect("serialises") + "\n"))?;
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
            ("--trial", options.trial.is_some(), Imp),
            ("--partial", options.partial, Summarize),
            ("--resume", options.resume, Imp),
        ];
        if let Some((flag, _, owner)) = misplaced.iter().find(|(_, given, owner)| *given && *owner != command) {
            return usage(format!("{flag} is an option of lth {}, not of lth {}", owner.name(), command.name()));
        }
        if let Some(folder) = options.folders.first().filter(|_| command != Summarize) {
            return usage(format!("unexpected argument \"{}\"; options start with --", folder.display()));
        }
        let outcome = match command {
            Train => train(options),
            Imp => imp(options),
            Summarize => summarize(options),
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
