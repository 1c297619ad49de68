//! Option groups in the model: `options` maps each option name to its managed settings written
//! `K=V` joined by `;`, so that the planner and apply compare them the same way, without SDK
//! types.

use std::collections::BTreeMap;

/// `K=V;K2=V2`, sorted by key.
pub fn encode_settings(settings: &BTreeMap<String, String>) -> String {
    settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn decode_settings(s: &str) -> BTreeMap<String, String> {
    s.split(';')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What ModifyOptionGroup must include (options missing or with other managed settings) and
/// remove (options the files do not name), from the desired and live `options` maps.
pub fn option_changes(
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let include = want
        .iter()
        .filter(|(name, settings)| match have.get(*name) {
            None => true,
            Some(h) => {
                let h = decode_settings(h);
                decode_settings(settings)
                    .iter()
                    .any(|(k, v)| !h.get(k).is_some_and(|hv| hv.eq_ignore_ascii_case(v)))
            }
        })
        .map(|(n, _)| n.clone())
        .collect();
    let remove = have
        .keys()
        .filter(|n| !want.contains_key(*n))
        .cloned()
        .collect();
    (include, remove)
}
