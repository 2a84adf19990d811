//! The vocabulary: every word the classifier gives a meaning to, in static
//! tables hashed once per process. Each token costs one hash lookup; no
//! regular expression is ever compiled or run.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::kinds::{KIND_WORDS, Number, ResourceKind};

/// The meaning of one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lex {
    /// Not in the vocabulary: a candidate name, namespace, image...
    Unknown,
    /// A resource kind.
    Kind(ResourceKind, Number),
    /// A word with a role in a request.
    W(W),
}

/// Words with a role. Grouped by what the classifier does with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum W {
    // Never a value: articles, pronouns, politeness, adverbs.
    Filler,
    /// `kubectl`, `k`, `oc`: announces kubectl syntax.
    Kubectl,

    // Prepositions.
    In,
    On,
    From,
    Of,
    For,
    To,
    With,
    Across,
    By,
    Named,
    Into,
    Than,
    Using,

    // Joints of compound requests and subordinate clauses.
    And,
    Then,
    After,

    // Reading.
    Read,
    Describe,
    Top,
    Logs,
    Tail,
    Count,
    Watch,
    Status,
    Question,
    Who,
    Why,
    Be,
    Do,
    Can,
    Polite,

    // Changing (live unless hypothetical).
    Change(Change),

    // Diagnosis.
    Wrong,
    Pending,
    Running,
    Succeeded,
    Debug,
    Troubleshoot,
    Restarts,
    Pressure,
    Limits,
    Near,
    Usage,
    Most,
    Capacity,

    // RBAC.
    Rbac,
    Audit,

    // Health.
    Health,
    Okay,
    Cluster,

    // Contexts and kubeconfig.
    Context,
    UseContext,
    CurrentContext,
    GetContexts,
    Kubeconfig,
    Config,
    Switch,
    Current,

    // Topics and slots.
    Replicas,
    Stats,
    NodeService,
    Previous,
    Lines,
    Last,
    Container,
    Image,
    Port,
    Label,
    Shell,
    Network,
    Busybox,
    All,
    Warning,
    Number(u32),
    Up,
    Down,
    Not,
    Hour,

    // Hand-off domains.
    Helm,
    Release,
    Argo,
    Sync,
    Promote,
    Observability,
}

/// Verbs that change the cluster, and the change each one asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Delete,
    Scale,
    Restart,
    Create,
    Deploy,
    Apply,
    Exec,
    Run,
    Rollout,
    Rollback,
    Undo,
    Patch,
    Label,
    Annotate,
    Edit,
    Set,
    Cordon,
    Uncordon,
    Drain,
    Taint,
    Expose,
    Autoscale,
    Evict,
    Kill,
    Install,
    Upgrade,
    Uninstall,
    Update,
    Increase,
    Decrease,
    Stop,
    Start,
    Suspend,
    Resume,
    Replace,
    Attach,
    Copy,
    PortForward,
    Fix,
    /// Any other verb that changes something (wipe, reset, rotate...).
    Other,
}

/// FNV-1a: a fast hash for short, trusted, static keys (the vocabulary), so a
/// lookup costs a few nanoseconds instead of SipHash's tens.
#[derive(Debug, Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<V> = HashMap<&'static str, V, BuildHasherDefault<Fnv>>;

static WORDS: LazyLock<FnvMap<Lex>> = LazyLock::new(|| {
    let mut map = FnvMap::default();
    for (word, kind, number) in KIND_WORDS {
        map.insert(*word, Lex::Kind(*kind, *number));
    }
    for (word, w) in WORD_TABLE {
        map.insert(*word, Lex::W(*w));
    }
    map
});

static KINDS: LazyLock<FnvMap<(ResourceKind, Number)>> = LazyLock::new(|| {
    KIND_WORDS.iter().map(|(word, kind, number)| (*word, (*kind, *number))).collect()
});

/// The meaning of a lower-case word.
pub(crate) fn lookup(word: &str) -> Lex {
    WORDS.get(word).copied().unwrap_or(Lex::Unknown)
}

/// The single-word kind spellings.
pub(crate) fn kind_table() -> &'static FnvMap<(ResourceKind, Number)> {
    &KINDS
}

/// Every word with a role (kinds are in [`KIND_WORDS`]). A kind word listed
/// here too (`events`, `quota`) takes the role given here.
pub(crate) const WORD_TABLE: &[(&str, W)] = {
    use crate::vocab::Change as C;
    use W::*;
    &[
        // Fillers: never a name.
        ("the", Filler), ("a", Filler), ("an", Filler), ("me", Filler), ("my", Filler),
        ("our", Filler), ("your", Filler), ("us", Filler), ("i", Filler), ("we", Filler),
        ("you", Filler), ("u", Filler), ("please", Polite), ("pls", Polite), ("plz", Polite),
        ("kindly", Polite), ("just", Filler), ("quickly", Filler), ("quick", Filler),
        ("now", Filler), ("right", Filler), ("some", Filler), ("this", Filler),
        ("that", Filler), ("these", Filler), ("those", Filler), ("there", Filler),
        ("here", Filler), ("it", Filler), ("its", Filler), ("them", Filler), ("they", Filler),
        ("their", Filler), ("thing", Filler), ("things", Filler), ("stuff", Filler),
        ("let", Filler), ("lets", Filler), ("want", Filler), ("need", Filler),
        ("would", Filler), ("like", Filler), ("love", Filler), ("hey", Filler), ("hi", Filler),
        ("hello", Filler), ("thanks", Filler), ("thank", Filler), ("help", Filler),
        ("been", Filler), ("being", Filler), ("have", Filler), ("has", Filler),
        ("had", Filler), ("got", Filler), ("going", Filler), ("gonna", Filler),
        ("wanna", Filler), ("or", Filler), ("so", Filler), ("if", Filler), ("very", Filler),
        ("really", Filler), ("about", Filler), ("regarding", Filler), ("present", Filler),
        ("existing", Filler), ("available", Filler), ("total", Filler), ("whole", Filler),
        ("entire", Filler), ("full", Filler), ("complete", Filler), ("detailed", Filler),
        ("few", Filler), ("much", Filler), ("more", Filler), ("any", Filler),
        ("kubernetes", Filler), ("k8s", Filler), ("resource", Filler), ("resources", Filler),
        ("object", Filler), ("objects", Filler), ("one", Number(1)), ("output", Filler),
        ("mine", Filler), ("also", And), ("as", Filler), ("at", Filler), ("via", Filler),
        ("within", In), ("inside", In), ("under", In), ("across", Across),
        ("everywhere", All), ("currently", Current), ("current", Current),
        ("active", Current), ("sure", Filler), ("go", Filler), ("ahead", Filler),
        ("make", Filler), ("should", Filler), ("shall", Filler), ("will", Filler),
        ("may", Filler), ("might", Filler), ("must", Filler), ("maybe", Filler),
        ("again", Filler), ("yet", Filler), ("still", Filler), ("already", Filler),
        ("ever", Filler), ("recent", Filler), ("recently", Filler), ("latest", Filler),
        ("new", Filler), ("old", Filler), ("other", Filler), ("another", Filler),
        ("each", Filler), ("per", Filler), ("both", Filler), ("same", Filler),
        ("only", Filler), ("exactly", Filler), ("something", Filler), ("anything", Filler),
        ("everything", All), ("namespaced", Filler), ("info", Describe),
        ("information", Describe), ("details", Describe), ("detail", Describe),
        ("yaml", Describe), ("json", Describe), ("manifest", Describe), ("spec", Describe),
        ("definition", Describe), ("wide", Filler), ("names", Filler), ("name", Named),
        ("called", Named), ("named", Named), ("app", Filler), ("apps", Filler),
        ("application", Filler), ("applications", Filler),         ("workload", Filler), ("workloads", Filler), ("instance", Filler),
        ("instances", Replicas), ("copies", Replicas), ("copy", Change(C::Copy)),
        ("possible", Filler), ("real", Filler), ("fast", Filler),
        ("moment", Filler), ("today", Filler), ("yesterday", Filler), ("ago", Filler),
        ("minutes", Hour), ("minute", Hour), ("hour", Hour), ("hours", Hour), ("day", Hour),
        ("days", Hour), ("since", After), ("time", Filler), ("every", All),
        ("everyone", Filler), ("someone", Filler),
        ("kubeop", Filler), ("assistant", Filler), ("bot", Filler),
        ("we're", Filler), ("i'm", Filler), ("im", Filler), ("ive", Filler),
        ("i've", Filler), ("i'd", Filler), ("id", Filler), ("you're", Filler),
        ("anyway", Filler), ("actually", Filler), ("basically", Filler),
        ("briefly", Filler), 
        ("in", In), ("on", On), ("from", From), ("of", Of), ("for", For), ("to", To),
        ("with", With), ("by", By), ("into", Into), ("onto", Into), ("than", Than),
        ("using", Using), ("use", Switch), ("where", Question), ("when", Question),
        ("and", And), ("then", Then), ("afterwards", Then), ("after", After),
        ("because", After), ("following", After), ("once", After), ("during", After),
        ("until", After), ("before", After), ("but", And),
        ("kubectl", Kubectl), ("k", Kubectl), ("oc", Kubectl), ("kubectl.exe", Kubectl),
        ("kc", Kubectl), ("kctl", Kubectl), ("$", Filler), (">", Filler),
        // Reading.
        ("get", Read), ("list", Read), ("ls", Read), ("show", Read), ("display", Read),
        ("print", Read), ("view", Read), ("see", Read), ("fetch", Read), ("give", Read),
        ("tell", Read), ("find", Read), ("check", Read), ("inspect", Read), ("look", Read),
        ("lookup", Read), ("read", Read), ("dump", Read), ("query", Read), ("search", Read),
        ("enumerate", Read), ("grab", Read), ("bring", Read), ("pull", Read),
        ("return", Read), ("report", Read), ("know", Read), ("lemme", Read), ("gimme", Read),
        ("retrieve", Read), ("obtain", Read), ("open", Read), ("peek", Read),
        ("listing", Read), ("showing", Read),  ("review", Read),
        ("examine", Read), ("verify", Read), ("confirm", Read), ("monitor", Read),
        ("describe", Describe), ("desc", Describe), ("explain", Describe),
        ("top", Top), ("logs", Logs), ("log", Logs), ("logging", Logs), ("stdout", Logs),
        ("stderr", Logs), ("tail", Tail), ("follow", Tail), ("stream", Tail),
        ("count", Count), ("many", Count), ("number", Count), ("watch", Watch),
        ("status", Status), ("state", Status), ("phase", Status), 
        ("what", Question), ("which", Question), ("how", Question), ("whats", Question),
        ("wat", Question), ("who", Who), ("whom", Who), ("why", Why), ("whys", Why),
        ("is", Be), ("are", Be), ("was", Be), ("were", Be), ("am", Be), ("be", Be),
        ("isnt", Be), ("arent", Be), ("do", Do), ("does", Do), ("did", Do),
        ("doesnt", Do), ("didnt", Do), ("dont", Do), ("can", Can), ("could", Can),
        ("cant", Can), ("cannot", Can), ("can-i", Can), ("allowed", Rbac),
        ("able", Can), ("permitted", Rbac), ("not", Not), ("no", Not), ("never", Not),
        ("without", Not),
        // Changing.
        ("delete", Change(C::Delete)), ("del", Change(C::Delete)), ("rm", Change(C::Delete)),
        ("remove", Change(C::Delete)), ("destroy", Change(C::Delete)),
        ("terminate", Change(C::Delete)), ("erase", Change(C::Delete)),
        ("purge", Change(C::Delete)), ("nuke", Change(C::Delete)), ("wipe", Change(C::Delete)),
        ("kill", Change(C::Kill)), ("evict", Change(C::Evict)),
        ("scale", Change(C::Scale)), ("resize", Change(C::Scale)),
        ("restart", Change(C::Restart)), ("reboot", Change(C::Restart)),
        ("bounce", Change(C::Restart)), ("recycle", Change(C::Restart)),
        ("redeploy", Change(C::Restart)), ("reload", Change(C::Restart)),
        ("refresh", Change(C::Restart)), ("cycle", Change(C::Restart)),
        ("create", Change(C::Create)), ("add", Change(C::Create)),
        ("provision", Change(C::Create)), ("launch", Change(C::Run)),
        ("spin", Change(C::Run)), ("spawn", Change(C::Run)), ("generate", Change(C::Create)),
        ("apply", Change(C::Apply)),
        ("exec", Change(C::Exec)), ("execute", Change(C::Exec)), ("ssh", Change(C::Exec)),
        ("run", Change(C::Run)), ("rollout", Change(C::Rollout)), ("roll", Change(C::Rollout)),
        ("rollback", Change(C::Rollback)), ("undo", Change(C::Undo)),
        ("revert", Change(C::Rollback)), ("downgrade", Change(C::Rollback)),
        ("patch", Change(C::Patch)), ("label", Change(C::Label)),
        ("relabel", Change(C::Label)), ("unlabel", Change(C::Label)),
        ("annotate", Change(C::Annotate)), ("edit", Change(C::Edit)),
        ("modify", Change(C::Edit)), ("change", Change(C::Edit)), ("alter", Change(C::Edit)),
        ("set", Change(C::Set)), ("unset", Change(C::Set)),
        ("cordon", Change(C::Cordon)), ("uncordon", Change(C::Uncordon)),
        ("drain", Change(C::Drain)), ("taint", Change(C::Taint)), ("untaint", Change(C::Taint)),
        ("expose", Change(C::Expose)), ("autoscale", Change(C::Autoscale)),
        ("install", Change(C::Install)), ("upgrade", Change(C::Upgrade)),
        ("uninstall", Change(C::Uninstall)), ("update", Change(C::Update)),
        ("increase", Change(C::Increase)), ("raise", Change(C::Increase)),
        ("bump", Change(C::Increase)), ("double", Change(C::Increase)),
        ("grow", Change(C::Increase)), ("expand", Change(C::Increase)),
        ("decrease", Change(C::Decrease)), ("reduce", Change(C::Decrease)),
        ("lower", Change(C::Decrease)), ("shrink", Change(C::Decrease)),
        ("halve", Change(C::Decrease)), ("stop", Change(C::Stop)),
        ("shutdown", Change(C::Stop)), ("shut", Change(C::Stop)), ("halt", Change(C::Stop)),
        ("disable", Change(C::Stop)), ("start", Change(C::Start)), ("enable", Change(C::Start)),
        ("suspend", Change(C::Suspend)), ("pause", Change(C::Suspend)),
        ("resume", Change(C::Resume)), ("unpause", Change(C::Resume)),
        ("replace", Change(C::Replace)), ("recreate", Change(C::Replace)),
        ("attach", Change(C::Attach)), ("cp", Change(C::Copy)),
        ("port-forward", Change(C::PortForward)), ("portforward", Change(C::PortForward)),
        ("forward", Change(C::PortForward)), ("proxy", Change(C::PortForward)),
        ("fix", Change(C::Fix)), ("repair", Change(C::Fix)), ("heal", Change(C::Fix)),
        ("reset", Change(C::Other)), ("rotate", Change(C::Other)), ("renew", Change(C::Other)),
        ("flush", Change(C::Other)), ("prune", Change(C::Delete)), ("clean", Change(C::Delete)),
        ("cleanup", Change(C::Delete)), ("clear", Change(C::Delete)),
        ("rename", Change(C::Other)), ("move", Change(C::Other)), ("migrate", Change(C::Other)),
        ("mount", Change(C::Other)), ("unmount", Change(C::Other)),
        ("inject", Change(C::Other)), ("trigger", Change(C::Other)), ("rerun", Change(C::Other)),
        ("retry", Change(C::Other)), ("grant", Change(C::Other)), ("revoke", Change(C::Other)),
        ("bind", Change(C::Other)), ("unbind", Change(C::Other)), ("assign", Change(C::Other)),
        ("approve", Change(C::Other)), ("deny", Change(C::Other)), ("certificate", Filler),
        ("allocate", Change(C::Other)), ("put", Change(C::Other)), ("push", Change(C::Other)),
        ("write", Change(C::Other)), ("overwrite", Change(C::Other)), ("upsert", Change(C::Apply)),
        ("replicate", Change(C::Other)), ("reschedule", Change(C::Other)),
        ("schedule", Change(C::Other)), ("isolate", Change(C::Other)),
        ("block", Change(C::Other)), ("unblock", Change(C::Other)), ("allow", Change(C::Other)),
        ("sh", Shell), ("bash", Shell), ("shell", Shell), ("terminal", Shell),
        ("console", Shell), ("zsh", Shell), ("ash", Shell),
        // Diagnosis.
        ("wrong", Wrong), ("broken", Wrong), ("failing", Wrong), ("fails", Wrong),
        ("failed", Wrong), ("failure", Wrong), ("failures", Wrong), ("fail", Wrong),
        ("crash", Wrong), ("crashes", Wrong), ("crashing", Wrong), ("crashed", Wrong),
        ("crashloop", Wrong), ("crashloopbackoff", Wrong), ("crashlooping", Wrong),
        ("oom", Wrong), ("oomkilled", Wrong), ("oomkill", Wrong), ("oom-killed", Wrong),
        ("imagepullbackoff", Wrong), ("errimagepull", Wrong), ("backoff", Wrong),
        ("evicted", Wrong), ("unhealthy", Wrong), ("erroring", Wrong), ("error", Wrong),
        ("errors", Wrong), ("stuck", Wrong), ("dead", Wrong), ("dying", Wrong),
        ("died", Wrong), ("flapping", Wrong), ("notready", Wrong), ("problem", Wrong),
        ("problems", Wrong), ("issue", Wrong), ("issues", Wrong), ("killed", Wrong),
        ("exited", Wrong), ("terminated", Wrong), ("terminating", Wrong), ("degraded", Wrong),
        ("misbehaving", Wrong), ("down", Down), ("up", Up),
        ("pending", Pending), ("unschedulable", Pending), ("running", Running),
        ("succeeded", Succeeded), ("completed", Succeeded), ("debug", Debug),
        ("debugging", Debug), ("troubleshoot", Troubleshoot), ("troubleshooting", Troubleshoot),
        ("investigate", Troubleshoot), ("diagnose", Troubleshoot), ("diagnosis", Troubleshoot),
        ("rca", Troubleshoot), ("analyze", Troubleshoot), ("analyse", Troubleshoot),
        ("root", Troubleshoot), ("cause", Troubleshoot), ("postmortem", Troubleshoot),
        ("restarts", Restarts), ("restarting", Restarts), ("restarted", Restarts),
        ("keeps", Restarts), ("keep", Restarts),
        ("pressure", Pressure), ("throttled", Pressure), ("throttling", Pressure),
        ("bottleneck", Pressure), ("bottlenecks", Pressure), ("overcommitted", Pressure),
        ("overcommit", Pressure), ("insufficient", Pressure), ("starved", Pressure),
        ("contention", Pressure), ("saturated", Pressure), ("saturation", Pressure),
        ("exhausted", Pressure), ("headroom", Capacity), ("capacity", Capacity),
        ("limit", Limits), ("limits", Limits), ("requests", Limits),
        ("near", Near), ("close", Near), ("nearing", Near), ("approaching", Near),
        ("hitting", Near), ("exceeding", Near), ("exceed", Near), ("exceeded", Near),
        ("over", Near), ("reaching", Near), ("against", Near),
        ("usage", Usage), ("consumption", Usage), ("utilization", Usage),
        ("utilisation", Usage), ("consuming", Usage), ("consume", Usage), ("eat", Usage),
        ("eating", Usage), ("hog", Usage), ("hogging", Usage), ("cpu", Usage),
        ("memory", Usage), ("mem", Usage), ("ram", Usage), ("metrics", Usage),
        ("load", Usage), ("hungry", Usage), ("uses", Usage), 
        ("most", Most), ("highest", Most), ("biggest", Most), ("heaviest", Most),
        ("top-consuming", Most), ("least", Most), ("busiest", Most),
        // RBAC.
        ("rbac", Rbac), ("permission", Rbac), ("permissions", Rbac), ("privileges", Rbac),
        ("privilege", Rbac), ("access", Rbac), ("authorized", Rbac), ("authorization", Rbac),
        ("auth", Rbac), ("rights", Rbac), ("cluster-admin", Rbac), ("audit", Audit),
        ("security", Audit),
        // Health.
        ("health", Health), ("healthy", Health), ("healthcheck", Health),
        ("health-check", Health), ("ok", Okay), ("okay", Okay), ("fine", Okay),
        ("good", Okay), ("alright", Okay), ("green", Okay), ("doing", Okay),
        ("overview", Health), ("sanity", Health), ("cluster", Cluster), ("clusters", Cluster),
        // Contexts.
        ("context", Context), ("contexts", Context), ("ctx", Context),
        ("use-context", UseContext), ("kubectx", UseContext), ("set-context", UseContext),
        ("current-context", CurrentContext), ("get-contexts", GetContexts),
        ("get-clusters", GetContexts), ("kubeconfig", Kubeconfig), ("config", Config),
        ("configuration", Config), ("switch", Switch), ("swap", Switch),
        ("select", Switch), ("jump", Switch), ("point", Switch),
        // Topics and slots.
        ("replicas", Replicas), ("replica", Replicas), ("stats", Stats),
        ("statistics", Stats), ("summary", Stats), ("kubelet", NodeService),
        ("kube-proxy", NodeService), ("containerd", NodeService), ("journal", NodeService),
        ("journald", NodeService), ("syslog", NodeService), ("crio", NodeService),
        ("cri-o", NodeService), ("dockerd", NodeService), ("previous", Previous),
        ("prev", Previous), ("prior", Previous), ("earlier", Previous),
        ("lines", Lines), ("line", Lines), ("entries", Lines), ("last", Last),
        ("container", Container), ("containers", Container), ("ctr", Container),
        ("image", Image), ("images", Image), ("port", Port), ("ports", Port),
        ("labels", Label), ("labeled", Label), ("labelled", Label), ("selector", Label),
        ("matching", Label), ("network", Network), ("connectivity", Network),
        ("dns", Network), ("nslookup", Network), ("dig", Network), ("ping", Network),
        ("curl", Network), ("wget", Network), ("traceroute", Network), ("tcpdump", Network),
        ("netshoot", Network), ("reachability", Network), ("reachable", Network),
        ("busybox", Busybox), ("all", All), ("warning", Warning), ("warnings", Warning),
        ("zero", Number(0)), ("two", Number(2)), ("three", Number(3)), ("four", Number(4)),
        ("five", Number(5)), ("six", Number(6)), ("seven", Number(7)), ("eight", Number(8)),
        ("nine", Number(9)), ("ten", Number(10)), ("twenty", Number(20)),
        ("fifty", Number(50)), ("hundred", Number(100)), ("single", Number(1)),
        // Hand-off domains.
        ("helm", Helm), ("chart", Helm), ("charts", Helm), ("helmfile", Helm),
        ("tiller", Helm), ("helmrelease", Helm), ("helmreleases", Helm),
        ("release", Release), ("releases", Release),
        ("argocd", Argo), ("argo", Argo), ("argo-cd", Argo), ("gitops", Argo),
        ("applicationset", Argo), ("applicationsets", Argo), ("appset", Argo),
        ("argo-rollouts", Argo), ("rollouts", Argo),
        ("sync", Sync), ("resync", Sync), ("synced", Sync), ("syncing", Sync),
        ("out-of-sync", Sync), ("promote", Promote), ("promotion", Promote),
        ("prometheus", Observability), ("alertmanager", Observability),
        ("alert", Observability), ("alerts", Observability), ("alerting", Observability),
        ("silence", Observability), ("silences", Observability), ("promql", Observability),
        ("grafana", Observability), ("firing", Observability), ("slo", Observability),
        ("slos", Observability), ("alertrule", Observability), ("alertrules", Observability),
        ("prometheusrule", Observability), ("prometheusrules", Observability),
        ("thanos", Observability), ("loki", Observability), ("dashboards", Observability),
        ("dashboard", Observability),
    ]
};
