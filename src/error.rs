//! The crate's one error type. Every message names what is wrong and what to do about it; the
//! wasm surface turns it into a JsError, the CLI prints it and exits non-zero.

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// An invalid setting; `field` is its name in the config JSON (and, as --field, in the CLI).
    Config { field: String, message: String },
    /// A data file that cannot be used as it is; `file` names it.
    Data { file: String, message: String },
    /// Training produced a non-finite loss; what was computed before stays available.
    Diverged { iteration: usize, loss: f64, learning_rate: f64 },
    /// A call made when the object is not ready for it.
    Usage(String),
}

impl Error {
    pub fn config(field: &str, message: impl Into<String>) -> Error {
        Error::Config { field: field.to_string(), message: message.into() }
    }

    pub fn data(file: &str, message: impl Into<String>) -> Error {
        Error::Data { file: file.to_string(), message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { field, message } => write!(f, "setting \"{field}\": {message}"),
            Error::Data { file, message } => write!(f, "{file}: {message}"),
            Error::Diverged { iteration, loss, learning_rate } => write!(
                f,
                "training diverged: the loss became {loss} at iteration {iteration}. Try a smaller learning rate \
                 than {learning_rate}; the results up to the last evaluation are kept"
            ),
            Error::Usage(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
