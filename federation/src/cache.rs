//! A small map by text key that never grows past a bound: what the node
//! learns per remote server or key (parsed keys, key owners, signature
//! forms). A node talks to a limited set of servers; when the bound is
//! reached anyway, the map starts over rather than evicting one by one.

use std::collections::HashMap;
use std::sync::Mutex;

const BOUND: usize = 10_000;

pub struct BoundedMap<V>(Mutex<HashMap<String, V>>);

impl<V> Default for BoundedMap<V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<V: Clone> BoundedMap<V> {
    pub fn get(&self, key: &str) -> Option<V> {
        self.0.lock().ok().and_then(|m| m.get(key).cloned())
    }

    pub fn insert(&self, key: &str, value: V) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() > BOUND {
                m.clear();
            }
            m.insert(key.to_owned(), value);
        }
    }
}
