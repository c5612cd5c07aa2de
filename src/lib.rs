//! ticketlab: the Lottery Ticket Hypothesis (Frankle & Carbin, ICLR 2019), live.
//!
//! The crate trains small networks on MNIST, natively (the `lth` CLI) and in WebAssembly (the
//! page's Web Worker), from the same code, bit for bit for the same seed. Dependencies point one
//! way: `kernels` (hot loops) ← `nn` (layers, loss, model over a flat parameter buffer) ←
//! `optim` / `train` ← `experiment` (the stateful object: config in, `step(budget)` → events out)
//! ← { `wasm` (the wasm-bindgen surface), `bin/lth` }; `step` reads a `clock`. `limits`
//! (constants every layer may read) bounds the size of networks and runs. `data` parses and splits MNIST; `rng` is the portable
//! seeded randomness; `config` checks settings; `error` names what went wrong; `filters` keeps
//! the ticket's conv filters round by round, for the page's Filters panel; `ticket` writes and
//! reads a ticket (mask + initial weights + settings) as a safetensors file (`safetensors`, the
//! codec), checked against the model's parameter layout (`nn::layout`); `checkpoint` holds what an
//! interrupted run needs to resume, in the same format, and `resume` keeps it in files for `lth imp
//! --resume`; `classify` runs one drawn digit
//! through a finished round's networks.

pub mod bench;
pub mod checkpoint;
pub mod classify;
pub mod clock;
pub mod config;
pub mod connections;
pub mod data;
pub mod error;
pub mod experiment;
pub mod filters;
pub mod kernels;
pub mod limits;
pub mod nn;
pub mod optim;
pub mod parts;
pub mod prune;
pub mod report;
#[cfg(not(target_arch = "wasm32"))]
pub mod resume;
pub mod rng;
pub mod rules;
pub(crate) mod safetensors;
pub mod ticket;
pub mod train;
pub mod trials;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use clock::Clock;
pub use config::Config;
pub use error::{Error, Result};
pub use experiment::{Event, Experiment, Results, Status};
