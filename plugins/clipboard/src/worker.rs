//! The actor at `plugin:clipboard`, and the thread that owns the platform's clipboard.
//!
//! `arboard::Clipboard` makes blocking round trips to the display server, and on X11 its
//! owner must stay alive to serve what was copied. So one thread per plugin instance owns
//! it (opened on first use), runs every request in order, and ends when the actor and its
//! clones are dropped. The actor awaits the answer, so the UI thread and tokio's workers
//! never wait on the display server.

use std::borrow::Cow;
use std::sync::mpsc;
use std::sync::Arc;

use serde_bytes::ByteBuf;
use tokio::sync::oneshot;

use crate::{ClipboardError, Image};

type Job = Box<dyn FnOnce(&mut Option<arboard::Clipboard>) + Send>;

/// The clipboard actor. Its clones (a restart after a panic) share the thread.
#[derive(Clone)]
pub struct Clipboard {
    jobs: Arc<Mutex<mpsc::Sender<Job>>>,
}

use std::sync::Mutex;

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard").finish_non_exhaustive()
    }
}

fn failed(e: arboard::Error, format: &str) -> ClipboardError {
    match e {
        arboard::Error::ContentNotAvailable => ClipboardError::Empty {
            format: format.to_owned(),
        },
        arboard::Error::ClipboardNotSupported => ClipboardError::Unsupported {
            message: e.to_string(),
        },
        other => ClipboardError::Failed {
            message: other.to_string(),
        },
    }
}

impl Clipboard {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("switchboard-clipboard".into())
            .spawn(move || {
                let mut clipboard: Option<arboard::Clipboard> = None;
                for job in rx {
                    job(&mut clipboard);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the clipboard thread did not start");
        }
        Clipboard {
            jobs: Arc::new(Mutex::new(tx)),
        }
    }

    /// Run `work` on the clipboard thread with the open clipboard.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut arboard::Clipboard) -> Result<T, ClipboardError> + Send + 'static,
    ) -> Result<T, ClipboardError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |slot| {
            if slot.is_none() {
                match arboard::Clipboard::new() {
                    Ok(c) => *slot = Some(c),
                    Err(e) => {
                        let _ = tx.send(Err(ClipboardError::Unsupported {
                            message: e.to_string(),
                        }));
                        return;
                    }
                }
            }
            if let Some(clipboard) = slot.as_mut() {
                let _ = tx.send(work(clipboard));
            }
        });
        let gone = || ClipboardError::Failed {
            message: "the clipboard thread has stopped".into(),
        };
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

#[switchboard::actor]
impl Clipboard {
    /// The clipboard's text (`empty` when it holds none).
    async fn read_text(&mut self) -> Result<String, ClipboardError> {
        self.run(|c| c.get_text().map_err(|e| failed(e, "text")))
            .await
    }

    /// Put `text` on the clipboard.
    async fn write_text(&mut self, text: String) -> Result<(), ClipboardError> {
        self.run(move |c| c.set_text(text).map_err(|e| failed(e, "text")))
            .await
    }

    /// The clipboard's image as RGBA pixels (`empty` when it holds none).
    async fn read_image(&mut self) -> Result<Image, ClipboardError> {
        self.run(|c| {
            let image = c.get_image().map_err(|e| failed(e, "image"))?;
            Ok(Image {
                width: u32::try_from(image.width).unwrap_or(u32::MAX),
                height: u32::try_from(image.height).unwrap_or(u32::MAX),
                rgba: ByteBuf::from(image.bytes.into_owned()),
            })
        })
        .await
    }

    /// Put an image (RGBA pixels) on the clipboard; other apps can paste it as PNG.
    async fn write_image(&mut self, image: Image) -> Result<(), ClipboardError> {
        let expected = u64::from(image.width) * u64::from(image.height) * 4;
        if expected != image.rgba.len() as u64 {
            return Err(ClipboardError::BadImage {
                width: image.width,
                height: image.height,
                expected,
                got: image.rgba.len() as u64,
            });
        }
        self.run(move |c| {
            c.set_image(arboard::ImageData {
                width: image.width as usize,
                height: image.height as usize,
                bytes: Cow::Owned(image.rgba.into_vec()),
            })
            .map_err(|e| failed(e, "image"))
        })
        .await
    }

    /// Empty the clipboard.
    async fn clear(&mut self) -> Result<(), ClipboardError> {
        self.run(|c| c.clear().map_err(|e| failed(e, "content")))
            .await
    }
}
