//! Resuming a trial of `lth imp` that stopped (a crash, a job's time limit, the end of a session):
//! as the trial runs, the ticket's checkpoints (`crate::checkpoint`) and the finished rounds are
//! kept in two files, and `lth imp --resume` goes on from the latest checkpoint that every round
//! before it allows, with those rounds. The results are those of the uninterrupted trial, bit for
//! bit but for the timings (tests/trials.rs). The page keeps the same in its own store
//! (www/app/resume.js).

use std::path::{Path, PathBuf};

use crate::checkpoint::Checkpoint;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::experiment::{run_order, Branch, RoundResult};
use crate::parts::in_run_order;

/// What a trial has finished so far, and which of its checkpoints it allows to keep.
pub struct Progress {
    /// The segments one worker trains, in order (`run_order`).
    order: Vec<(Branch, usize)>,
    /// The rounds finished, those kept from before a resume included.
    rounds: Vec<RoundResult>,
    /// Checkpoints not yet usable: some round before their resume level is still training.
    checkpoints: Vec<Checkpoint>,
    /// The level of the checkpoint last handed out by `to_keep` (or resumed from).
    kept: Option<usize>,
}

impl Progress {
    /// A trial of `config`, with the rounds `earlier` kept from before a resume at level
    /// `resumed_after + 1`.
    pub fn new(config: &Config, earlier: Vec<RoundResult>, resumed_after: Option<usize>) -> Progress {
        Progress { order: run_order(config), rounds: earlier, checkpoints: Vec::new(), kept: resumed_after }
    }

    pub fn round_done(&mut self, round: RoundResult) {
        self.rounds.push(round);
    }

    pub fn add_checkpoint(&mut self, checkpoint: Checkpoint) {
        self.checkpoints.push(checkpoint);
    }

    /// Whether every segment up to `level` (the ticket's and its controls') has finished: what a
    /// checkpoint taken after the ticket's round `level` needs, since a resume starts at the
    /// ticket of `level + 1`.
    fn finished_through(&self, level: usize) -> bool {
        let finished = |segment: (Branch, usize)| {
            self.rounds.iter().any(|round| round.complete && (round.branch, round.level) == segment)
        };
        self.order.iter().filter(|(_, of)| *of <= level).all(|&segment| finished(segment))
    }

    /// The latest usable checkpoint, if it is newer than the one handed out before, and the
    /// rounds a resume from it keeps (those up to its level, in run order).
    pub fn to_keep(&mut self) -> Option<(Checkpoint, Vec<RoundResult>)> {
        let usable = self.checkpoints.iter().map(|c| c.level).filter(|&level| self.finished_through(level)).max()?;
        if self.kept.is_some_and(|kept| kept >= usable) {
            return None;
        }
        self.kept = Some(usable);
        let index = self.checkpoints.iter().position(|c| c.level == usable).expect("found above");
        let checkpoint = self.checkpoints.swap_remove(index);
        self.checkpoints.retain(|c| c.level > usable);
        let rounds = self.rounds.iter().filter(|round| round.level <= usable).cloned().collect();
        Some((checkpoint, rounds))
    }
}

/// A trial's two resume files, in `resume/` of its folder: the checkpoint and the rounds before it.
pub struct ResumeFiles {
    pub checkpoint: PathBuf,
    pub rounds: PathBuf,
}

impl ResumeFiles {
    pub fn of(out_dir: &Path, seed: u64) -> ResumeFiles {
        let dir = out_dir.join("resume");
        ResumeFiles {
            checkpoint: dir.join(format!("seed{seed}.safetensors")),
            rounds: dir.join(format!("seed{seed}-rounds.json")),
        }
    }

    /// Writes both, the rounds first, each through a temporary file: a trial stopped at any
    /// moment leaves whole files, and rounds that reach at least as far as the checkpoint.
    pub fn write(&self, checkpoint: &Checkpoint, rounds: &[RoundResult], config: &Config) -> Result<()> {
        let rounds = in_run_order(rounds.to_vec(), config);
        let text = serde_json::to_string(&rounds).expect("rounds serialise") + "\n";
        write_whole(&self.rounds, text.as_bytes())?;
        write_whole(&self.checkpoint, &checkpoint.to_safetensors())
    }

    /// The checkpoint and the rounds a resume keeps, if this trial has resume files; an error
    /// that names the file if they are damaged, of other settings, or do not fit together.
    pub fn read(&self, config: &Config) -> Result<Option<(Checkpoint, Vec<RoundResult>)>> {
        let Ok(bytes) = std::fs::read(&self.checkpoint) else { return Ok(None) };
        let what = self.checkpoint.display().to_string();
        let afresh = "remove the folder's resume/ files to train the trial afresh";
        let in_file = |error: Error| match error {
            Error::Data { message, .. } => Error::data(&what, format!("{message}; or {afresh}")),
            other => other,
        };
        let checkpoint = Checkpoint::from_safetensors(&bytes).map_err(in_file)?;
        checkpoint.check_settings(config).map_err(in_file)?;
        let rounds_what = self.rounds.display().to_string();
        let text = std::fs::read_to_string(&self.rounds)
            .map_err(|e| Error::data(&rounds_what, format!("cannot read it ({e}), but {what} is there; {afresh}")))?;
        let rounds: Vec<RoundResult> = serde_json::from_str(&text)
            .map_err(|e| Error::data(&rounds_what, format!("not the rounds of a trial ({e}); {afresh}")))?;
        let mut progress = Progress::new(config, rounds, None);
        if !progress.finished_through(checkpoint.level) {
            return Err(Error::data(
                &rounds_what,
                format!("it lacks rounds up to {}, where {what} resumes from; {afresh}", checkpoint.level),
            ));
        }
        progress.rounds.retain(|round| round.level <= checkpoint.level);
        Ok(Some((checkpoint, progress.rounds)))
    }

    /// Removes both (once the trial has ended and its results file is written), and the
    /// resume/ folder if no other trial's files are left in it.
    pub fn remove(&self) {
        // A file already gone, or a folder still holding another trial's files, is as it should be.
        for path in [&self.checkpoint, &self.rounds] {
            let _ = std::fs::remove_file(path);
        }
        if let Some(dir) = self.checkpoint.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file beside it, so that the path holds either
/// the old file or the new one, whole.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let what = path.display().to_string();
    let cannot = |e: std::io::Error| Error::data(&what, format!("cannot write it: {e}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(cannot)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.part", std::process::id()));
    std::fs::write(&temporary, bytes).map_err(cannot)?;
    std::fs::rename(&temporary, path).map_err(cannot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Control, Settings};
    use crate::nn::Mask;

    fn config() -> Config {
        Config::new(Settings { seed: 1, rounds: 3, controls: vec![Control::RandomReinit], ..Settings::default() })
            .unwrap()
    }

    fn round(branch: Branch, level: usize) -> RoundResult {
        RoundResult::bare(branch, level, true)
    }

    fn checkpoint(config: &Config, level: usize) -> Checkpoint {
        let layout = config.model_spec().layout();
        let [rewind, dense, continued] = Checkpoint::needs(config);
        let params = |needed: bool| needed.then(|| vec![0.25; layout.param_count()]);
        Checkpoint {
            config: config.clone(),
            level,
            ticket_mask: Mask::dense(&layout),
            rewind_params: params(rewind),
            dense_trained_params: params(dense),
            last_ticket_params: params(continued),
        }
    }

    #[test]
    fn a_checkpoint_is_kept_once_every_round_up_to_its_level_has_finished() {
        use Branch::{RandomReinit, Ticket};
        let config = config();
        let mut progress = Progress::new(&config, Vec::new(), None);
        progress.round_done(round(Ticket, 0));
        progress.add_checkpoint(checkpoint(&config, 0));
        // Level 0 has no controls: its checkpoint is usable at once.
        assert_eq!(progress.to_keep().map(|(c, rounds)| (c.level, rounds.len())), Some((0, 1)));
        assert!(progress.to_keep().is_none(), "handed out once");
        // The ticket runs ahead of its control (another thread): 1 and 2 wait for theirs.
        progress.round_done(round(Ticket, 1));
        progress.add_checkpoint(checkpoint(&config, 1));
        progress.round_done(round(Ticket, 2));
        progress.add_checkpoint(checkpoint(&config, 2));
        assert!(progress.to_keep().is_none());
        progress.round_done(round(RandomReinit, 1));
        assert_eq!(progress.to_keep().map(|(c, rounds)| (c.level, rounds.len())), Some((1, 3)));
        // An unfinished round does not count.
        progress.round_done(RoundResult::bare(RandomReinit, 2, false));
        assert!(progress.to_keep().is_none());
        progress.round_done(round(RandomReinit, 2));
        assert_eq!(progress.to_keep().map(|(c, rounds)| (c.level, rounds.len())), Some((2, 6)));
    }

    #[test]
    fn resume_files_give_back_what_was_written_and_refuse_rounds_that_fall_short() {
        use Branch::{RandomReinit, Ticket};
        let config = config();
        let dir = std::env::temp_dir().join(format!("ticketlab-resume-{}", std::process::id()));
        let files = ResumeFiles::of(&dir, config.seed);
        assert!(files.read(&config).unwrap().is_none(), "no files: nothing to resume");
        let rounds = vec![round(RandomReinit, 1), round(Ticket, 0), round(Ticket, 1)];
        files.write(&checkpoint(&config, 1), &rounds, &config).unwrap();
        let (back, kept) = files.read(&config).unwrap().expect("written");
        assert_eq!(back, checkpoint(&config, 1));
        assert_eq!(kept, vec![round(Ticket, 0), round(Ticket, 1), round(RandomReinit, 1)], "in run order");
        files.write(&checkpoint(&config, 1), &rounds[1..], &config).unwrap();
        let error = files.read(&config).unwrap_err().to_string();
        assert!(error.contains("lacks rounds up to 1") && error.contains("resume/"), "{error}");
        files.remove();
        assert!(files.read(&config).unwrap().is_none());
        assert!(!dir.join("resume").exists(), "the emptied folder is removed too");
        std::fs::remove_dir(&dir).unwrap();
    }
}
