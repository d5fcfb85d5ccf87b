//! What keeps a service from carrying out a request other than its domain's
//! answer — the same in every service, so written once: each service's error
//! type wraps a [`Fault`] beside its domain rejections (`service_error!`).

use crate::{CodecError, CommandError, HandleError, RowError, StorageError};

/// A failure of the machinery, not a decision of the domain.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("idempotency key {0} was already used for a different request")]
    IdempotencyKeyReused(String),
    #[error("stream {0} is too busy; try again")]
    Contention(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("stored data cannot be decoded: {0}")]
    Codec(#[from] CodecError),
    /// A single read met a read-model row it cannot decode (logged and counted).
    #[error("the stored record {0} cannot be read; it has been reported to the operators")]
    UnreadableRecord(String),
}

impl<E: std::error::Error + 'static> CommandError<E> {
    /// The domain's rejection, or the fault that kept the command from a decision.
    pub fn into_rejection(self) -> Result<E, Fault> {
        match self {
            CommandError::Rejected(rejection) => Ok(rejection),
            CommandError::Contention(stream) => Err(Fault::Contention(stream)),
            CommandError::IdempotencyKeyReused(key) => Err(Fault::IdempotencyKeyReused(key)),
            CommandError::Storage(error) => Err(Fault::Storage(error)),
            CommandError::Codec(error) => Err(Fault::Codec(error)),
        }
    }
}

impl From<RowError> for Fault {
    fn from(error: RowError) -> Self {
        match error {
            RowError::Storage(error) => Fault::Storage(error),
            RowError::Unreadable(record) => Fault::UnreadableRecord(record),
        }
    }
}

/// A consumer that met a fault: storage trouble and contention are retried
/// (nothing of the batch is written); anything else is dead-lettered.
impl From<Fault> for HandleError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Storage(error) => HandleError::Storage(error),
            Fault::Contention(stream) => {
                HandleError::Storage(StorageError::Io(format!("stream {stream} is busy")))
            }
            other => HandleError::permanent(other),
        }
    }
}

/// Makes a service's error enum, which has a `Fault(Fault)` variant, the
/// target of `?` on command results (the rejection converted with `Into`),
/// read-model rows, storage and codec errors:
/// `golmok_kernel::service_error!(AppError);`.
#[macro_export]
macro_rules! service_error {
    ($error:ident) => {
        impl<E> ::core::convert::From<$crate::CommandError<E>> for $error
        where
            E: ::std::error::Error + ::core::convert::Into<$error> + 'static,
        {
            fn from(error: $crate::CommandError<E>) -> Self {
                match error.into_rejection() {
                    ::core::result::Result::Ok(rejection) => rejection.into(),
                    ::core::result::Result::Err(fault) => $error::Fault(fault),
                }
            }
        }

        impl ::core::convert::From<$crate::RowError> for $error {
            fn from(error: $crate::RowError) -> Self {
                $error::Fault(error.into())
            }
        }

        impl ::core::convert::From<$crate::StorageError> for $error {
            fn from(error: $crate::StorageError) -> Self {
                $error::Fault(error.into())
            }
        }

        impl ::core::convert::From<$crate::CodecError> for $error {
            fn from(error: $crate::CodecError) -> Self {
                $error::Fault(error.into())
            }
        }
    };
}
