//! Fuzzes `classifier::classify` with arbitrary text: it must never panic, its
//! answer must serialise, and a `read_only` answer must call a read tool (never
//! `resources_scale` with `scale`, never a mutating tool).
#![no_main]

use classifier::{Intent, Tool, classify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let intent = classify(&text);
    serde_json::to_string(&intent).expect("every intent serialises");
    if let Intent::ReadOnly { tool, arguments } = &intent {
        let writes = matches!(
            tool,
            Tool::PodsDelete | Tool::PodsExec | Tool::PodsRun | Tool::ResourcesCreateOrUpdate | Tool::ResourcesDelete
        ) || (*tool == Tool::ResourcesScale && arguments.scale.is_some());
        assert!(!writes, "{text:?} was classified read_only with a writing call: {intent}");
    }
});
