//! Managed state: values registered with [`AppBuilder::manage`](crate::AppBuilder::manage)
//! and injected into handlers as [`State<T>`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

/// A shared, read-only reference to a value the app manages, injected into a command or
/// actor method by naming it as an argument. Use interior mutability (an atomic, a
/// `Mutex`) or, better, an actor for state that changes.
///
/// ```
/// use switchboard::{App, State};
/// #[derive(Default)]
/// struct Greeter { greeting: String }
///
/// #[switchboard::command]
/// fn greet(name: String, greeter: State<Greeter>) -> String {
///     format!("{}, {name}", greeter.greeting)
/// }
/// let app = App::builder()
///     .manage(Greeter { greeting: "hello".into() })
///     .commands(switchboard::commands![greet])
///     .build()
///     .unwrap();
/// assert_eq!(app.handle().state::<Greeter>().unwrap().greeting, "hello");
/// ```
pub struct State<T: ?Sized>(pub(crate) Arc<T>);

impl<T: ?Sized> State<T> {
    /// The shared pointer inside.
    pub fn inner(&self) -> &Arc<T> {
        &self.0
    }
}

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for State<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("State").field(&&*self.0).finish()
    }
}

/// The values an app manages, by type.
#[derive(Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        let any = Arc::clone(self.values.get(&TypeId::of::<T>())?);
        any.downcast::<T>().ok().map(State)
    }
}
