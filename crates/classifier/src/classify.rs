//! The decision: tokens → facts (slots filled from flags and phrases) → one
//! [`Intent`], by fixed rules in a fixed order. The order encodes the safety
//! rule: a live change verb anywhere makes the request a mutation or a
//! question, never a read.

use std::borrow::Cow;

use crate::intent::{Arguments, Domain, Intent, Operation, Param, Playbook, Tool};
use crate::kinds::{Number, ResourceKind};
use crate::lexer::{Shape, Token, lex};
use crate::manifest::{self, ResourceBound};
use crate::vocab::{Change, Lex, W, WordSet};

/// Longest request classified. Longer text is refused with a `clarify`
/// rather than truncated: a truncated request could lose its change verb.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// Most tokens classified; the per-token bookkeeping lives on the stack.
const MAX_TOKENS: usize = 160;

/// Most words before the "if" of "can you check if X has Y" for the rest
/// to be read as that yes-no question ("can you please check if", "tell
/// me whether"); an "if" further in is a condition of a longer request.
const MAX_WORDS_BEFORE_IF: usize = 6;

/// The image of a generic debug pod.
pub const DEBUG_IMAGE: &str = "busybox";

/// The image of a network-test debug pod (DNS, connectivity, curl, tcpdump).
pub const NETWORK_DEBUG_IMAGE: &str = "nicolaka/netshoot";

/// The host an egress test ("can pods reach the internet") asks for:
/// IANA's reserved example domain, served over HTTPS from anywhere, owned by
/// nobody who could mind the traffic. Any HTTP status means the way out works.
pub const EGRESS_TEST_URL: &str = "https://example.com";

/// What people call "outside the cluster" when they ask whether it is reachable.
const EGRESS_WORDS: &[&str] = &[
    "internet",
    "outside",
    "outside-world",
    "external",
    "world",
    "egress",
    "public-internet",
];

/// The answer to `kubectl api-resources`: the kinds kubeop reads by name.
const KINDS_READ: &str = "I read these kinds by name: pods, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, services, endpoints, endpointslices, ingresses, ingressclasses, configmaps, secrets, persistentvolumeclaims, persistentvolumes, storageclasses, namespaces, nodes, events, serviceaccounts, roles, rolebindings, clusterroles, clusterrolebindings, networkpolicies, resourcequotas, limitranges, horizontalpodautoscalers, poddisruptionbudgets, priorityclasses, leases and customresourcedefinitions (\"list crds\" shows the kinds this cluster adds). Which should I list?";

/// Words that greet, thank or ask for help: alone, they ask what kubeop can do.
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "heya",
    "hiya",
    "yo",
    "howdy",
    "morning",
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "bye",
    "help",
    "capabilities",
    "features",
    "commands",
];

/// The answer to "help", "hi", "what can you do": what kubeop does, briefly.
const CAPABILITIES: &str = "I am kubeop, a Level-1 SRE agent for Kubernetes. I can:\n\
- read: pods, deployments, services, events, nodes, namespaces, logs, CPU and memory usage (\"list pods in staging\", \"logs of web-1\")\n\
- check health: the cluster or one namespace (\"is the cluster ok?\", \"what's wrong in staging\")\n\
- diagnose: crashes, OOM kills, image pulls, pending pods, resource pressure, RBAC (\"why is checkout crashing\", \"who can delete pods\")\n\
- change, each with a plan you approve: scale, restart, delete, create, label, set image or resource limits, exec (\"scale web to 3 in prod\")\n\
- test DNS and connectivity with a debug pod (\"is dns working in staging\")\n\
- switch context or namespace (\"switch to prod-eu\", \"use namespace staging\")\n\
Helm, Argo CD and Prometheus requests go to their own agents. What should I do?";

/// The answer to "do it", "apply the fix", "go ahead" when no plan was
/// proposed before (the workflow answers with the session's last proposed
/// plan when there is one).
const ASSENT_QUESTION: &str = "Which change should I make? I make a change only from a plan you approve: approve the one I proposed with `kubeop approve PLAN_ID --hash HASH` (both are on the plan), or tell me the change (e.g. \"restart checkout in production\").";

/// Whether `word` may stand in a request that only assents to a change
/// already on the table (a `match`: it runs on every short request).
fn is_assent_word(word: &str) -> bool {
    matches!(
        word,
        "yes"
            | "yeah"
            | "yep"
            | "ok"
            | "okay"
            | "sure"
            | "please"
            | "pls"
            | "go"
            | "ahead"
            | "do"
            | "it"
            | "that"
            | "this"
            | "apply"
            | "the"
            | "fix"
            | "proposed"
            | "proposal"
            | "suggested"
            | "suggestion"
            | "change"
            | "plan"
            | "approve"
            | "approved"
            | "proceed"
            | "let's"
            | "lets"
            | "make"
            | "so"
            | "just"
            | "then"
            | "now"
            | "carry"
            | "out"
            | "execute"
            | "your"
            | "kubeop"
            | "work"
            | "lgtm"
            // ("great, do it": appreciation before the assent; alone it
            // is thanks.)
            | "great"
            | "perfect"
            | "cool"
            | "nice"
            | "alright"
    )
}

/// "do it", "yes, go ahead", "apply the fix", "apply the proposed
/// change", "proceed": a request made only of assent words with an
/// action in it ("ok" or "yes" alone assent too). It names nothing to act
/// on: the plan meant is the one the conversation proposed, which only the
/// workflow knows. ("fix it" and "make it so" are assent; "fix checkout"
/// names an object and is a diagnosis.)
fn is_assent(lower: &str) -> bool {
    let mut acts = false;
    let mut agrees = false;
    let mut words = 0;
    let only_assent = scan_short_reply(lower, is_assent_word, |_, word| {
        words += 1;
        acts |= matches!(
            word,
            "do" | "go" | "apply" | "fix" | "proceed" | "approve" | "make" | "execute" | "carry"
        );
        agrees |= matches!(
            word,
            "yes" | "yeah" | "yep" | "ok" | "okay" | "sure" | "lgtm"
        );
    });
    // "the fix" alone, "please": no verb of doing; "yes": an answer.
    only_assent && words > 0 && (acts || (agrees && words <= 2))
}

/// Whether `lower` is a short reply made only of words that `belongs`
/// accepts, handing each word (punctuation trimmed) with the word before it
/// to `each`. Assent and refusal are both such replies ("do it", "no
/// thanks"); only their words and what must be among them differ.
fn scan_short_reply(
    lower: &str,
    belongs: fn(&str) -> bool,
    mut each: impl FnMut(&str, &str),
) -> bool {
    // Short requests only: a real request is longer, and this runs first.
    if lower.len() > 48 {
        return false;
    }
    let mut previous = "";
    for word in lower.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '\'');
        if word.is_empty() {
            continue;
        }
        if !belongs(word) {
            return false;
        }
        each(previous, word);
        previous = word;
    }
    true
}

/// The answer to "no", "cancel", "never mind" when no plan was offered
/// before (the workflow denies or names the session's offered plan when
/// there is one).
const DECLINE_QUESTION: &str = "Nothing done: I have no plan of yours waiting to be dropped. A plan waiting for approval is denied with `kubeop deny PLAN_ID`; tell me what you want instead.";

/// Whether `word` may stand in a request that only says no to a change
/// already on the table (a `match`: it runs on every short request).
fn is_refusal_word(word: &str) -> bool {
    matches!(
        word,
        "no" | "nope"
            | "nah"
            | "cancel"
            | "never"
            | "mind"
            | "nevermind"
            | "don't"
            | "dont"
            | "do"
            | "not"
            | "abort"
            | "stop"
            | "forget"
            | "skip"
            | "drop"
            | "deny"
            | "reject"
            | "decline"
            | "scratch"
            | "it"
            | "that"
            | "this"
            | "the"
            | "plan"
            | "change"
            | "fix"
            | "thanks"
            | "thank"
            | "you"
            | "please"
            | "ok"
            | "okay"
            | "actually"
            | "wait"
            | "now"
            | "sorry"
            | "oh"
            | "i"
            | "changed"
            | "my"
            // "never mind restarting", "forget the scaling": the change
            // dropped, by its gerund.
            | "restarting"
            | "scaling"
            | "deleting"
    )
}

/// "no", "cancel", "never mind", "don't", "no thanks", "forget it",
/// "cancel that plan", "don't do it", "deny it": a request made only of
/// refusal words with a refusal in it. Like assent it names nothing: which
/// plan is meant only the workflow knows. "don't restart checkout" names
/// a change and is not this; "wait" alone is no refusal.
fn is_refusal(lower: &str) -> bool {
    let mut refuses = false;
    let only_refusal = scan_short_reply(lower, is_refusal_word, |previous, word| {
        refuses |= matches!(
            word,
            "no" | "nope"
                | "nah"
                | "cancel"
                | "nevermind"
                | "don't"
                | "dont"
                | "abort"
                | "stop"
                | "forget"
                | "skip"
                | "drop"
                | "deny"
                | "reject"
                | "decline"
                | "scratch"
        ) || (previous == "never" && word == "mind")
            || (previous == "do" && word == "not")
            || (previous == "not" && word == "now");
    });
    only_refusal && refuses
}

/// What a restart does, asked in general ("what does restarting a deployment do").
const EXPLAIN_RESTART: &str = "A restart (kubectl rollout restart) stamps the pod template with the time, so the Deployment, StatefulSet or DaemonSet replaces its pods one by one with fresh ones, as in a rollout: same image and settings, new containers. With more than one ready replica it keeps serving throughout. To restart one, say e.g. \"restart checkout in prod\": you see and approve the plan first.";

/// What scaling does, asked in general.
const EXPLAIN_SCALE: &str = "Scaling sets how many replicas (pods) a Deployment or StatefulSet runs; its controller adds or removes pods to match (a StatefulSet removes the highest-numbered first). An autoscaler, if one targets it, may change the count again. To scale one, say e.g. \"scale web to 3 in prod\": you see and approve the plan first.";

/// What deleting does, asked in general.
const EXPLAIN_DELETE: &str = "Deleting removes the object from the cluster. A pod that a Deployment, StatefulSet or Job owns is recreated by its controller; deleting the workload removes its pods too; a deleted ConfigMap, Secret or PVC is gone (a PVC's volume may be deleted with it). To delete one, say e.g. \"delete pod web-1 in prod\": you see and approve the plan first.";

/// What cordoning does, asked in general.
const EXPLAIN_CORDON: &str = "Cordoning marks a node unschedulable: pods already on it keep running, new pods are placed on other nodes. Uncordoning makes it schedulable again. To cordon one, say e.g. \"cordon worker-2\": you see and approve the plan first.";

/// What draining does, asked in general.
const EXPLAIN_DRAIN: &str = "Draining (kubectl drain) cordons a node and evicts its pods, so that their controllers recreate them on other nodes (DaemonSet pods stay). I do it in steps, each with its own plan: \"cordon worker-2\", then \"pods on worker-2\", then delete them one by one.";

/// What a rollback does, asked in general.
const EXPLAIN_ROLLBACK: &str = "A rollback (kubectl rollout undo) puts the pod template of an earlier revision back (the previous one unless you name a revision), which rolls the workload's pods out again with it. Deployments, StatefulSets and DaemonSets keep revisions. To roll one back, say e.g. \"roll back checkout in prod\": you see and approve the plan first.";

/// What suspending does, asked in general.
const EXPLAIN_SUSPEND: &str = "Suspending a CronJob stops it from starting new Jobs; Jobs already running finish. Resuming lets it start them again at its next scheduled time. To suspend one, say e.g. \"suspend cronjob report in batch\": you see and approve the plan first.";

/// What losing a node does, asked as a what-if ("what happens if the node
/// dies"): no node to read, nothing to diagnose yet.
const EXPLAIN_NODE_LOSS: &str = "When a node stops answering, Kubernetes marks it NotReady and, after about 5 minutes (the pods' unreachable toleration), evicts its pods: those a Deployment, StatefulSet or ReplicaSet owns are recreated on other nodes with room; DaemonSet pods and bare pods are not. To see what that would hit now, ask \"pods on worker-1\" or \"node capacity\".";

/// What a crash does, asked as a what-if ("what happens if the pod
/// crashes").
const EXPLAIN_POD_LOSS: &str = "When a container crashes, the kubelet restarts it in place, waiting longer after each crash (CrashLoopBackOff), as the pod's restartPolicy says; a pod deleted or evicted is recreated by its controller (Deployment, StatefulSet, Job), a bare pod is not. To look at one now, ask e.g. \"why is checkout crashing in prod\".";

/// A what-if kubeop cannot answer from the cluster's state.
const EXPLAIN_WHAT_IF: &str = "That is a what-if question: I answer from what the cluster holds now. Ask about the objects involved (e.g. \"pods on worker-1\", \"describe deployment web\", \"is the cluster healthy\"), or ask for a change (you see and approve its plan first).";

/// The answer to thanks alone: nothing to do, and no list of capabilities.
const YOU_ARE_WELCOME: &str = "You're welcome. Anything else?";

/// The answer to an apology or a retraction alone ("sorry, wrong chat",
/// "nvm"): nothing to do.
const NO_PROBLEM: &str = "No problem: I did nothing. Anything else?";

/// Filler words that are also common object names ("delete configmap old"):
/// taken as a name right after a kind, before the end or a flag.
const FILLERS_THAT_NAME_THINGS: &[&str] = &[
    "old", "new", "other", "app", "real", "fast", "quick", "generic", "latest",
];

/// The namespace of the cluster's own components.
const SYSTEM_NAMESPACE: &str = "kube-system";

/// Words that open a clause, never an object's name after a marker word
/// ("in the billing namespace when you can", "namespace shop if possible").
const CONJUNCTIONS: &[&str] = &[
    "when", "whenever", "if", "while", "because", "since", "once", "until", "unless", "as", "so",
    "but", "though", "although",
];

/// Verbs of moving somewhere that open a switch of the session's place
/// ("go to namespace shop", "let's work in billing", "hop over to prod").
const MOVEMENT_WORDS: &[&str] = &["go", "work", "head", "hop", "move", "stay"];

/// Public images people name by their bare name ("run an nginx pod"),
/// which is also their exact reference on Docker Hub.
const WELL_KNOWN_IMAGES: &[&str] = &[
    "nginx", "alpine", "ubuntu", "debian", "redis", "postgres", "mysql", "python", "httpd",
    "centos", "fedora", "node", "golang",
];

/// Subcommands of `helm` and `argocd` written between the tool and the
/// object ("argocd app diff payments", "helm history checkout"): never a name.
const HANDOFF_SUBCOMMANDS: &[&str] = &[
    "diff",
    "get",
    "history",
    "status",
    "values",
    "manifests",
    "manifest",
    "wait",
    "list",
    "show",
    "test",
    "lint",
    "template",
    "abort",
    "retry",
    "set",
];

/// Commands after `|` that only filter text: a read piped into them stays a read.
/// The Service types `--type` may name, as the API spells them.
const SERVICE_TYPES: [&str; 3] = ["ClusterIP", "NodePort", "LoadBalancer"];

const HARMLESS_FILTERS: &[&str] = &[
    "grep", "egrep", "fgrep", "head", "tail", "wc", "sort", "uniq", "less", "more", "jq", "yq",
    "cut", "column", "cat", "tr", "nl",
];

/// Whether `intent` is the classifier's answer to small talk (a greeting,
/// "what can you do", thanks): nothing was asked of the cluster, so a
/// conversation must not read the words as being about the object it last
/// talked about ("hello" is no "hello deployment nginx").
pub fn is_small_talk(intent: &Intent) -> bool {
    matches!(intent, Intent::Clarify { question, .. }
        if question == CAPABILITIES || question == YOU_ARE_WELCOME || question == NO_PROBLEM)
}

/// Classifies one request. Pure, deterministic, allocation-light: one lower-case
/// copy of the text, one token vector, the strings of the answer.
pub fn classify(text: &str) -> Intent {
    if text.len() > MAX_REQUEST_BYTES {
        return Intent::clarify(
            vec![Param::Intent],
            format!(
                "That request is longer than {MAX_REQUEST_BYTES} bytes. What is the one thing you want me to do?"
            ),
        );
    }
    let lower = text.to_ascii_lowercase();
    if is_assent(&lower) {
        return Intent::clarify(vec![Param::Plan], ASSENT_QUESTION);
    }
    if is_refusal(&lower) {
        return Intent::clarify(vec![Param::Decline], DECLINE_QUESTION);
    }
    // The names written in two words ("the api gateway"), joined with a
    // dash; declared before the tokens, which borrow from it.
    let mut joined = String::new();
    let mut tokens = Vec::with_capacity(32);
    lex(text, &lower, &mut tokens);
    system_namespace_typos(&mut tokens);
    non_names(&mut tokens);
    subjects_named_like_verbs(&mut tokens);
    if tokens.len() > MAX_TOKENS {
        return Intent::clarify(
            vec![Param::Intent],
            "That request is too long for me to be sure of it. What is the one thing you want me to do?",
        );
    }
    if let Some(verb) = misspelled_verb(&mut tokens) {
        return Intent::clarify(
            vec![Param::Intent],
            format!(
                "Did you mean \"{verb}\"? I make changes only from exact words: write the request again with \"{verb}\"."
            ),
        );
    }
    if let Some(kind) = misspelled_kind(&mut tokens) {
        return Intent::clarify(
            vec![Param::Kind],
            format!(
                "Did you mean \"{kind}\"? I make changes only from exact words: write the request again with \"{kind}\"."
            ),
        );
    }
    misspelled_namespace_word(&mut tokens);
    // After the typo checks, which read a misspelt kind as the kind.
    join_spaced_names(text, &mut tokens, &mut joined);
    phrasal_changes(&mut tokens);
    rollback_phrases(&mut tokens);
    negated_changes(&mut tokens);
    verbs_naming_objects(&mut tokens);
    products_named_as_objects(&mut tokens);
    topic_words_naming_namespaces(&mut tokens);
    not_working(&mut tokens);
    object_phrases(&mut tokens);
    let mut analysis = Analysis::new(&tokens);
    analysis.scan();
    let mut intent = analysis.decide();
    if analysis.deployment_assumed
        && let Intent::Mutation {
            arguments,
            kind_defaulted,
            ..
        } = &mut intent
        && targets_deployment(arguments)
    {
        *kind_defaulted = true;
    }
    intent
}

/// "scale the api gateway to 4", "logs of the web frontend", "the kube
/// proxy is crashing": an object's name written in two plain words, as
/// people say the names that kubectl writes with a dash (`api-gateway`,
/// `web-frontend`, `kube-proxy`). Two words the vocabulary does not know,
/// standing where a name goes (after "the"/"my", a verb or "of"/"for"/
/// "from", or opening a statement "X Y is ...") and closed by the end, a
/// preposition, a kind or a verb, become one token `X-Y`; three unknown
/// words in a row are prose and stay apart, and so do a namespace's usual
/// name, numbers, and the words of a command line (`exec`, `run`, `--`).
/// The joined text is appended to `joined`, from which the new token borrows.
/// In a yes-no question ("did the rollout of web finish?", "is the
/// rollout of checkout finished in payments?") the word after the name is
/// the state asked about, so a pair joins there only before a kind or a
/// state word ("is the api gateway healthy"). Words only separated by
/// spaces join ("incident: payment-service 5xx" is a label and a name).
fn join_spaced_names<'a>(text: &str, tokens: &mut Vec<Token<'a>>, joined: &'a mut String) {
    // Most requests have no two unknown words side by side: one cheap pass.
    let unknown_word = |t: &Token<'_>| t.shape == Shape::Word && t.lex == Lex::Unknown;
    if !tokens.windows(2).any(|pair| {
        (unknown_word(&pair[0])
            && (unknown_word(&pair[1]) || matches!(pair[1].low, "proxy" | "service")))
            || spaced_component(pair[0].low, pair[1].low).is_some()
    }) {
        return;
    }
    let plain = |token: &Token<'_>| {
        token.shape == Shape::Word
            && token.lex == Lex::Unknown
            && token.low.len() >= 2
            && token
                .low
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-')
            && !token.low.starts_with('-')
            // `team-`: kubectl's removal of a label, never half a name.
            && !token.low.ends_with('-')
            && !is_namespace_word(token.low)
            && !NEVER_HALF_A_NAME.contains(&token.low)
    };
    // Byte offset of a token's text in `text` (tokens are slices of it).
    let offset =
        |token: &Token<'_>| (token.raw.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let spaced = |first: &Token<'_>, second: &Token<'_>| {
        text.get(offset(first) + first.raw.len()..offset(second))
            .is_some_and(|gap| !gap.is_empty() && gap.bytes().all(|b| b == b' ' || b == b'\t'))
    };
    let yes_no = tokens
        .iter()
        .find(|t| !matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl)))
        .is_some_and(|t| {
            matches!(t.w(), Some(W::Be | W::Do)) || matches!(t.low, "has" | "have" | "had")
        });
    let opens = |token: &Token<'_>| match token.w() {
        // "get deployment api gateway": right after a singular kind word.
        None if token.value.is_none() => {
            matches!(token.kind(), Some((_, Number::Singular | Number::Short)))
        }
        Some(W::Filler) => matches!(token.low, "the" | "my" | "our" | "your" | "this" | "that"),
        Some(W::Change(change)) => !matches!(change, Change::Exec | Change::Run),
        Some(W::Read | W::Describe | W::Logs | W::Top | W::Tail | W::Of | W::For | W::From) => true,
        _ => false,
    };
    let closes = |token: Option<&Token<'_>>| {
        if yes_no {
            return token.is_some_and(|next| {
                next.kind().is_some()
                    || matches!(
                        next.w(),
                        Some(W::Health | W::Okay | W::Down | W::Up | W::Wrong | W::Running)
                    )
            });
        }
        token.is_none_or(|next| {
            next.shape == Shape::Flag
                || next.kind().is_some()
                || matches!(
                    next.w(),
                    Some(
                        W::To
                            | W::In
                            | W::On
                            | W::Of
                            | W::For
                            | W::From
                            | W::With
                            | W::Be
                            | W::Restarts
                            | W::Wrong
                            | W::Logs
                            | W::Polite
                            | W::Filler
                            | W::And
                            | W::Then
                            | W::Change(_)
                    )
                )
        })
    };
    let command_line = tokens.iter().any(|t| {
        t.shape == Shape::DoubleDash || matches!(t.w(), Some(W::Change(Change::Exec | Change::Run)))
    });
    if command_line || tokens.len() < 2 {
        return;
    }
    // First pass: which pairs join (no token borrows `joined` yet).
    let mut pairs = [0usize; 4];
    let mut count = 0;
    let mut i = 0;
    while i + 1 < tokens.len() && count < pairs.len() {
        let (first, second) = (&tokens[i], &tokens[i + 1]);
        // "the kube proxy", "core dns logs": a cluster component's name,
        // wherever it stands.
        if first.shape == Shape::Word
            && second.shape == Shape::Word
            && spaced(first, second)
            && spaced_component(first.low, second.low).is_some()
        {
            pairs[count] = i;
            count += 1;
            i += 2;
            continue;
        }
        let opened = match i.checked_sub(1) {
            Some(p) => opens(&tokens[p]) && !(p > 0 && plain(&tokens[p - 1])),
            // "api gateway is down": the statement's subject.
            None => tokens.get(2).is_some_and(|next| {
                matches!(next.w(), Some(W::Be | W::Restarts | W::Wrong))
                    || matches!(
                        next.low,
                        "returns"
                            | "returning"
                            | "throws"
                            | "throwing"
                            | "keeps"
                            | "gives"
                            | "giving"
                            | "has"
                            | "won't"
                            | "wont"
                            | "can't"
                            | "cant"
                            | "doesn't"
                            | "doesnt"
                            | "never"
                    )
            }),
        };
        // "the kube proxy", "the envoy proxy": a component, not `kubectl proxy`.
        // "the notification service deployment": "service" is part of
        // the name when a workload's kind follows it.
        let service_part = second.low == "service"
            && second.value.is_none()
            && matches!(
                tokens.get(i + 2).and_then(Token::kind),
                Some((
                    ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet,
                    Number::Singular | Number::Short
                ))
            );
        let second_plain = (plain(second) && !is_participle(second.low))
            || (second.low == "proxy" && second.shape == Shape::Word)
            || service_part;
        // "restart web shop", "describe web billing": a command whose verb
        // opens the request and whose last two plain words end it is
        // kubectl's `VERB NAME NAMESPACE`, unless the second word is one
        // that ends names ("restart api gateway").
        let is_verb = |t: &Token<'_>| {
            matches!(
                t.w(),
                Some(W::Change(_) | W::Read | W::Describe | W::Logs | W::Top)
            )
        };
        // ("restart deployment web shop": the kind between verb and name.)
        let verb_at = i.checked_sub(1).and_then(|p| {
            if tokens[p].kind().is_some() && tokens[p].value.is_none() {
                p.checked_sub(1)
            } else {
                Some(p)
            }
        });
        let namespace_last = tokens.get(i + 2).is_none()
            && verb_at.is_some_and(|v| {
                is_verb(&tokens[v])
                    && tokens[..v]
                        .iter()
                        .all(|t| matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl)))
            })
            && !NAME_TAILS.contains(&second.low);
        if plain(first)
            && second_plain
            && opened
            && !namespace_last
            && closes(tokens.get(i + 2))
            && spaced(first, second)
        {
            pairs[count] = i;
            count += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    if count == 0 {
        return;
    }
    let mut spans = [(0usize, 0usize, 0usize); 4];
    for (n, &at) in pairs[..count].iter().enumerate() {
        let start = joined.len();
        if let Some(component) = spaced_component(tokens[at].low, tokens[at + 1].low) {
            joined.push_str(component);
            let middle = joined.len();
            joined.push_str(component);
            spans[n] = (start, middle, joined.len());
            continue;
        }
        joined.push_str(tokens[at].raw);
        joined.push('-');
        joined.push_str(tokens[at + 1].raw);
        let middle = joined.len();
        joined.push_str(tokens[at].low);
        joined.push('-');
        joined.push_str(tokens[at + 1].low);
        spans[n] = (start, middle, joined.len());
    }
    let joined: &'a str = joined;
    // From the last pair back, so earlier indices stay valid.
    for n in (0..count).rev() {
        let (start, middle, end) = spans[n];
        let at = pairs[n];
        tokens[at].raw = &joined[start..middle];
        tokens[at].low = &joined[middle..end];
        tokens[at].full = tokens[at].raw;
        // A component's first word ("kube") is a filler alone; joined, a name.
        tokens[at].lex = Lex::Unknown;
        tokens.remove(at + 1);
    }
}

/// A cluster component that runs in `kube-system`: its usual name and the
/// label its pods carry (the kubeadm and CoreDNS conventions).
struct SystemComponent {
    /// The label selector of its pods.
    selector: &'static str,
}

/// The components every cluster runs in `kube-system`, by the names people
/// type. Naming one names its namespace: "coredns logs", "kube-proxy pods",
/// "restart coredns" are about `kube-system` whatever the session's
/// namespace, since no other namespace holds them.
const SYSTEM_COMPONENTS: &[(&str, SystemComponent)] = &[
    (
        "kube-proxy",
        SystemComponent {
            selector: "k8s-app=kube-proxy",
        },
    ),
    (
        "kubeproxy",
        SystemComponent {
            selector: "k8s-app=kube-proxy",
        },
    ),
    (
        "coredns",
        SystemComponent {
            selector: "k8s-app=kube-dns",
        },
    ),
    (
        "core-dns",
        SystemComponent {
            selector: "k8s-app=kube-dns",
        },
    ),
    (
        "kube-dns",
        SystemComponent {
            selector: "k8s-app=kube-dns",
        },
    ),
    (
        "metrics-server",
        SystemComponent {
            selector: "k8s-app=metrics-server",
        },
    ),
    (
        "kube-apiserver",
        SystemComponent {
            selector: "component=kube-apiserver",
        },
    ),
    (
        "kube-scheduler",
        SystemComponent {
            selector: "component=kube-scheduler",
        },
    ),
    (
        "kube-controller-manager",
        SystemComponent {
            selector: "component=kube-controller-manager",
        },
    ),
    (
        "etcd",
        SystemComponent {
            selector: "component=etcd",
        },
    ),
];

/// The system component a word names, if it names one.
fn system_component(word: &str) -> Option<&'static SystemComponent> {
    SYSTEM_COMPONENTS
        .iter()
        .find(|(spelt, _)| *spelt == word)
        .map(|(_, component)| component)
}

/// "kube proxy", "core dns": a component's name written in two words, as
/// its one-word name.
fn spaced_component(first: &str, second: &str) -> Option<&'static str> {
    match (first, second) {
        ("kube", "proxy") => Some("kube-proxy"),
        ("core", "dns") => Some("coredns"),
        ("kube", "dns") => Some("kube-dns"),
        ("kube", "scheduler") => Some("kube-scheduler"),
        ("kube" | "api", "apiserver" | "server") => Some("kube-apiserver"),
        ("metrics", "server") => Some("metrics-server"),
        _ => None,
    }
}

/// "web finished", "api restarting", "web constantly": a verb's participle
/// or an adverb after a name says what happened to it, and is no second
/// half of the name.
fn is_participle(word: &str) -> bool {
    (word.len() > 4 && word.ends_with("ed") && !word.ends_with("eed"))
        || word.ends_with("ing")
        // "pulls anonymously", "restarts constantly": an adverb.
        || (word.len() > 5 && word.ends_with("ly"))
}

/// Plain words that are never half of a name written in two words: the
/// particle of "roll X back", probe and incident nouns.
const NEVER_HALF_A_NAME: &[&str] = &[
    "back",
    "environment",
    "variable",
    "variables",
    "var",
    "vars",
    "annotation",
    "annotations",
    "user",
    "group",
    "probe",
    "probes",
    "liveness",
    "readiness",
    "startup",
    "incident",
    "alert",
    "issue",
    "problem",
    "error",
    "errors",
    "outage",
    "difference",
    "between",
    "thing",
    "stuff",
    "way",
];

/// Words that end names written in two words ("api gateway", "order
/// service", "kube proxy"): a command ending "VERB X WORD" with one of them
/// names one object, where any other last word is kubectl's namespace.
const NAME_TAILS: &[&str] = &[
    "gateway",
    "frontend",
    "backend",
    "server",
    "service",
    "api",
    "app",
    "web",
    "ui",
    "worker",
    "workers",
    "proxy",
    "db",
    "database",
    "cache",
    "queue",
    "broker",
    "consumer",
    "producer",
    "scheduler",
    "controller",
    "operator",
    "exporter",
    "agent",
    "manager",
    "processor",
    "handler",
    "runner",
    "engine",
    "portal",
    "dashboard",
    "collector",
    "indexer",
    "client",
    "daemon",
    "bot",
];

/// Whether a change's arguments are about a Deployment: its `kind`, or the
/// `kind` of its manifest (a restart, a set image, a resource change).
fn targets_deployment(arguments: &Arguments) -> bool {
    arguments.kind.as_deref() == Some(ResourceKind::Deployment.kind())
        || arguments
            .resource
            .as_deref()
            .is_some_and(|manifest| manifest.lines().any(|line| line == "kind: Deployment"))
}

/// Words that name an earlier revision in a request: "revision 3",
/// "--to-revision=2", or "previous"/"old"/"last good"... followed by
/// "version"/"release"/"image"... Without one, "go back", "bring back" and
/// "restore" are no rollback ("bring web back up", "restore the backup").
fn names_an_earlier_revision(tokens: &[Token<'_>]) -> bool {
    tokens.iter().enumerate().any(|(i, token)| {
        matches!(token.low, "revision" | "rev" | "--to-revision")
            || (matches!(
                token.low,
                "previous" | "prior" | "earlier" | "older" | "old" | "good" | "working" | "stable"
            ) && tokens[i + 1..tokens.len().min(i + 3)].iter().any(|next| {
                matches!(
                    next.low,
                    "version"
                        | "versions"
                        | "revision"
                        | "release"
                        | "image"
                        | "build"
                        | "tag"
                        | "rollout"
                        | "deploy"
                        | "deployment"
                        | "one"
                )
            }))
    })
}

/// "roll checkout in production back", "go back to the previous version
/// of checkout", "switch web back to revision 2", "put checkout back on the
/// old image", "restore the earlier release of checkout": a rollback said
/// in several words. The verb becomes the rollback and its "back" a filler
/// (never an object's name). Only "roll ... back" is a rollback on its own;
/// the other verbs need words naming an earlier revision
/// ([`names_an_earlier_revision`]), so "bring web back up" and "restore the
/// backup" stay what they were.
fn rollback_phrases(tokens: &mut [Token<'_>]) {
    let earlier = names_an_earlier_revision(tokens);
    for i in 0..tokens.len() {
        if tokens[i].shape != Shape::Word {
            continue;
        }
        // The particle after the verb or its object, within the clause.
        let back = (i + 1..tokens.len().min(i + 8))
            .take_while(|&j| {
                !matches!(tokens[j].shape, Shape::Chain | Shape::Pipe)
                    && !matches!(tokens[j].w(), Some(W::And | W::Then | W::Change(_)))
            })
            .find(|&j| tokens[j].low == "back" && tokens[j].shape == Shape::Word);
        let rollback = match tokens[i].low {
            "roll" | "rollout" => back.is_some(),
            "go" | "switch" | "put" | "bring" | "take" | "move" | "get" | "set" | "change" => {
                back.is_some() && earlier
            }
            "restore" | "return" => earlier,
            _ => false,
        };
        if !rollback {
            continue;
        }
        tokens[i].lex = Lex::W(W::Change(Change::Rollback));
        if let Some(back) = back {
            tokens[back].lex = Lex::W(W::Filler);
        }
    }
}

/// The revision a rollback request names.
enum RevisionAsked {
    /// The one before the running one ("roll back checkout").
    Previous,
    /// A revision by number ("to revision 3", `--to-revision=3`).
    Numbered(u32),
    /// A count of revisions back ("2 revisions back"): asked about, since
    /// a revision is named by its number.
    CountedBack,
}

/// "turn off the nightly-report cronjob", "turn web off", "turn it on
/// again": a change in two words, the verb of "disable" and "enable". The
/// particle is a filler, never an object's name.
fn phrasal_changes(tokens: &mut [Token<'_>]) {
    // "i need checkout restarted in prod", "we want web restarted": a wish
    // for a restart is the restart ("restarted" alone is a symptom).
    for i in 2..tokens.len() {
        if tokens[i].low == "restarted"
            && tokens[i - 1].shape == Shape::Word
            && tokens[i - 1].lex == Lex::Unknown
            && matches!(
                tokens[i - 2].low,
                "need" | "needs" | "want" | "wants" | "get"
            )
        {
            tokens[i].lex = Lex::W(W::Change(Change::Restart));
        }
    }
    // "how come cart keeps getting OOM killed": a why. "would you mind
    // restarting cart", "do you mind scaling web to 2": the polite order is
    // the change its gerund names ("never mind restarting" orders nothing).
    for i in 1..tokens.len() {
        match tokens[i - 1].low {
            "how" if tokens[i].low == "come" => {
                tokens[i - 1].lex = Lex::W(W::Why);
                tokens[i].lex = Lex::W(W::Filler);
            }
            "mind" if i < 2 || tokens[i - 2].low != "never" => {
                let change = match tokens[i].low {
                    "restarting" => Change::Restart,
                    "scaling" => Change::Scale,
                    "deleting" | "removing" => Change::Delete,
                    "cordoning" => Change::Cordon,
                    "suspending" => Change::Suspend,
                    _ => continue,
                };
                tokens[i - 1].lex = Lex::W(W::Filler);
                tokens[i].lex = Lex::W(W::Change(change));
            }
            _ => {}
        }
    }
    // "make a plan to fix web", "write up a proposal for checkout": the
    // plan is asked for, never an object to create.
    for i in 0..tokens.len() {
        if tokens[i].lex == Lex::W(W::Change(Change::Create))
            && let Some(object) = tokens[i + 1..]
                .iter()
                .find(|t| !matches!(t.low, "a" | "an" | "the" | "up" | "me" | "us"))
            && matches!(object.low, "plan" | "proposal" | "solution" | "workaround")
        {
            tokens[i].lex = Lex::W(W::Filler);
        }
    }
    for i in 0..tokens.len() {
        if tokens[i].low != "turn" || tokens[i].shape != Shape::Word {
            continue;
        }
        // The particle right after the verb, or after its object (one or two words).
        // "turn off web", "turn web off", "turn the report cronjob back on".
        let Some(particle) = (i + 1..tokens.len().min(i + 7))
            .find(|&j| matches!(tokens[j].low, "off" | "on") && tokens[j].shape == Shape::Word)
        else {
            continue;
        };
        if tokens[particle - 1].low == "back" {
            tokens[particle - 1].lex = Lex::W(W::Filler);
        }
        let change = if tokens[particle].low == "off" {
            Change::Stop
        } else {
            Change::Start
        };
        tokens[i].lex = Lex::W(W::Change(change));
        tokens[particle].lex = Lex::W(W::Filler);
    }
}

/// "don't restart anything, just show me the pods", "do not delete
/// anything, list the failed pods", "I don't want to delete it, show pod
/// web-1", "just look, don't touch": an order NOT to do something, at the
/// head of a clause, is no request to do it. Its verb becomes a filler, and
/// so does an unknown verb there ("touch"), which is never an object's name.
/// Only when the negated change has no object of its own ("anything",
/// "it", or nothing before the next clause): "don't wait, delete pod web-1"
/// still deletes, and a change verb written into a request next to a
/// negation with an object ("don't delete pod web-1") stays a change.
fn negated_changes(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        let Some(verb) = negated_verb_after(tokens, i) else {
            continue;
        };
        let token = tokens[verb];
        if token.shape != Shape::Word {
            continue;
        }
        let no_object = tokens.get(verb + 1).is_none_or(|next| {
            matches!(
                next.low,
                "anything" | "it" | "them" | "any" | "nothing" | "everything" | "just"
            ) || matches!(next.w(), Some(W::And | W::Then))
        });
        match token.lex {
            Lex::W(W::Change(_)) if no_object => tokens[verb].lex = Lex::W(W::Filler),
            Lex::Unknown if is_name_shaped(token.low) => tokens[verb].lex = Lex::W(W::Filler),
            _ => {}
        }
    }
}

/// The verb an order not to do something at `i` negates: "don't X",
/// "do not X", "never X", "I don't want to X", at the head of a clause;
/// not "pods that don't start" (a symptom).
fn negated_verb_after(tokens: &[Token<'_>], i: usize) -> Option<usize> {
    let low = tokens[i].low;
    // ("no need to scale, just tell me ...": the same order.)
    let no_need = low == "need" && i > 0 && tokens[i - 1].low == "no";
    let negation = matches!(low, "don't" | "dont" | "don\u{2019}t" | "never" | "without")
        || low == "not" && i > 0 && tokens[i - 1].low == "do"
        || no_need;
    if !negation || tokens[i].shape != Shape::Word {
        return None;
    }
    let opener = if low == "not" || no_need { i - 1 } else { i };
    // The head of a clause: "don't ...", "please don't", "I don't", "just
    // look, don't ...".
    let heads_a_clause = opener == 0
        || matches!(
            tokens[opener - 1].w(),
            Some(W::Polite | W::And | W::Then | W::Read)
        )
        || matches!(
            tokens[opener - 1].low,
            "i" | "we" | "just" | "so" | "ok" | "okay"
        );
    // "I don't want to delete it".
    let mut verb = i + 1;
    if tokens
        .get(verb)
        .is_some_and(|t| matches!(t.low, "want" | "need" | "wish" | "mean"))
        && tokens.get(verb + 1).is_some_and(|t| t.low == "to")
    {
        verb += 2;
    } else if no_need && tokens.get(verb).is_some_and(|t| t.low == "to") {
        verb += 1;
    }
    // "show pods, don't delete": an order closing a read, after its comma.
    let closes_a_read = tokens
        .iter()
        .find(|t| !matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl)))
        .is_some_and(|t| matches!(t.w(), Some(W::Read | W::Logs | W::Describe | W::Top)))
        && tokens.get(verb + 1..).is_some_and(|rest| {
            rest.iter()
                .all(|t| matches!(t.low, "anything" | "it" | "them" | "any" | "please" | "pls"))
        });
    if !heads_a_clause && !closes_a_read {
        return None;
    }
    (verb < tokens.len() && tokens[verb].shape == Shape::Word).then_some(verb)
}

/// "logs of the migrate pod", "delete the migrate pod": a verb kubeop never
/// plans (migrate, reset, trigger...) written where a name goes, next to a
/// singular kind, in a request that reads or makes another change, is the
/// object's name, and becomes a plain word. The core change verbs (delete,
/// scale, restart...) are never read so: a change inserted next to a kind
/// stays a change.
fn verbs_naming_objects(tokens: &mut [Token<'_>]) {
    // Reads, and questions about trouble ("why did the migrate job fail").
    let reads = tokens.iter().any(|t| {
        matches!(
            t.w(),
            Some(
                W::Logs
                    | W::Read
                    | W::Describe
                    | W::Top
                    | W::Tail
                    | W::Watch
                    | W::Why
                    | W::Troubleshoot
                    | W::Wrong
            )
        )
    });
    let other_change = tokens
        .iter()
        .any(|t| matches!(t.w(), Some(W::Change(change)) if change != Change::Other));
    // Read, the request reads that object; with another change verb, that
    // verb is the change ("delete the migrate pod"). Neither: the verb is
    // the request ("migrate pod web-1 to node-2"), asked about.
    if !reads && !other_change {
        return;
    }
    let singular = |token: Option<&Token<'_>>| {
        matches!(
            token.and_then(Token::kind),
            Some((_, Number::Singular | Number::Short))
        )
    };
    let asks = tokens
        .iter()
        .find(|t| !matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl)))
        .is_some_and(|t| matches!(t.w(), Some(W::Do | W::Be | W::Question | W::Why)));
    // "search returns 503 in storefront", "search is down", "report keeps
    // crashing": a reading verb as the subject of a statement of trouble is
    // the object's name.
    if let Some(first) = tokens
        .iter()
        .position(|t| !matches!(t.w(), Some(W::Filler | W::Polite)))
        && tokens[first].shape == Shape::Word
        && matches!(tokens[first].w(), Some(W::Read | W::Sync | W::Audit))
        && tokens.get(first + 1).is_some_and(|next| {
            matches!(next.w(), Some(W::Be | W::Not))
                || matches!(
                    next.low,
                    "returns"
                        | "returning"
                        | "throws"
                        | "throwing"
                        | "keeps"
                        | "keep"
                        | "won't"
                        | "doesn't"
                        | "doesnt"
                        | "can't"
                        | "cant"
                        | "cannot"
                )
        })
    {
        tokens[first].lex = Lex::Unknown;
    }
    for i in 1..tokens.len() {
        // "why is my cronjob sync not starting jobs", "why does search keep
        // restarting": a topic word (an Argo sync, a search) right after a
        // singular kind, or between "does" and "keep", names the object.
        if tokens[i].shape == Shape::Word
            && (matches!(tokens[i].w(), Some(W::Sync | W::Audit)) || tokens[i].low == "search")
            && ((singular(tokens.get(i - 1)) && tokens[i - 1].value.is_none())
                || (tokens[i - 1].w() == Some(W::Do)
                    && tokens
                        .get(i + 1)
                        .is_some_and(|t| t.w() == Some(W::Restarts))))
        {
            tokens[i].lex = Lex::Unknown;
            continue;
        }
        // "run the report cronjob", "restart the search deployment", "logs
        // of the view pod": a reading verb between a determiner and a
        // singular kind is the object's name.
        if tokens[i].shape == Shape::Word
            && matches!(tokens[i].w(), Some(W::Read | W::Sync | W::Audit))
            && matches!(tokens[i - 1].low, "the" | "my" | "our" | "this" | "that")
            && singular(tokens.get(i + 1))
            && tokens[i + 1].value.is_none()
        {
            tokens[i].lex = Lex::Unknown;
            continue;
        }
        // "suspend the cleanup cronjob", "run the purge job now": a core
        // change verb between a determiner and a singular kind, with another
        // change asked, is the object's name (alone, it stays a change,
        // which `Analysis::verb_named_object` asks about).
        if matches!(tokens[i].w(), Some(W::Change(change)) if change != Change::Other)
            && tokens[i].shape == Shape::Word
            && matches!(tokens[i - 1].low, "the" | "my" | "our" | "this" | "that")
            && singular(tokens.get(i + 1))
            && tokens[i + 1].value.is_none()
            && tokens.iter().enumerate().any(|(j, t)| {
                (j != i && matches!(t.w(), Some(W::Change(change)) if change != Change::Other))
                    // ("why did the cleanup cronjob fail": a why-question
                    // orders nothing after its "why".)
                    || (j < i && t.w() == Some(W::Why))
            })
        {
            tokens[i].lex = Lex::Unknown;
            continue;
        }
        // "delete cronjob cleanup -n ops": a core change verb right after
        // the kind of an earlier change is that object's name (the request
        // stays the earlier change).
        if matches!(tokens[i].w(), Some(W::Change(change)) if change != Change::Other)
            && tokens[i].shape == Shape::Word
            // (Not "the schedule of cronjob x": a noun, which "Other" words
            // like "schedule" most often are, orders nothing.)
            && tokens[..i - 1].iter().any(|t| {
                matches!(t.w(), Some(W::Change(change)) if !matches!(change, Change::Rollout | Change::Other))
                    // ("does node-exporter run on every node delete": a
                    // question's "run" orders nothing.)
                    && !(matches!(t.w(), Some(W::Change(Change::Run | Change::Start))) && asks)
            })
            && singular(tokens.get(i - 1))
            // `deploy/web delete`: the kind already has its name.
            && tokens[i - 1].value.is_none()
            && tokens.get(i + 1).is_none_or(|next| {
                next.shape == Shape::Flag || matches!(next.w(), Some(W::In | W::On | W::From))
            })
        {
            tokens[i].lex = Lex::Unknown;
            continue;
        }
        // ("the proxy container": a tunnel kubeop never opens, named.)
        if !matches!(
            tokens[i].lex,
            Lex::W(W::Change(Change::Other | Change::PortForward))
        ) || tokens[i].shape != Shape::Word
        {
            continue;
        }
        // "the migrate pod", "the migrate init container".
        let container_after = |at: usize| {
            tokens
                .get(at)
                .is_some_and(|t| t.w() == Some(W::Container) && !t.low.ends_with('s'))
        };
        let before_kind = matches!(
            tokens[i - 1].low,
            "the" | "a" | "my" | "of" | "this" | "that"
        ) && (singular(tokens.get(i + 1))
            || container_after(i + 1)
            || (tokens.get(i + 1).is_some_and(|t| t.low == "init") && container_after(i + 2)));
        // "logs of container migrate in pod x": a container's name too.
        let after_container =
            tokens[i - 1].w() == Some(W::Container) && !tokens[i - 1].low.ends_with('s');
        let after_kind = (singular(tokens.get(i - 1)) || after_container)
            && tokens.get(i + 1).is_none_or(|next| {
                next.shape == Shape::Flag || matches!(next.w(), Some(W::In | W::On | W::From))
            });
        if before_kind || after_kind {
            tokens[i].lex = Lex::Unknown;
        }
    }
}

/// The observability products that run as workloads in a cluster.
const OBSERVABILITY_PRODUCTS: &[&str] =
    &["prometheus", "alertmanager", "grafana", "thanos", "loki"];

/// Words that make a request about an observability product's own domain
/// (its alerts, rules, silences, dashboards, queries, scrape targets, what
/// it says), which the observability agent handles.
const OBSERVABILITY_DOMAIN: &[&str] = &[
    "alert",
    "alerts",
    "alerting",
    "alertrule",
    "alertrules",
    "prometheusrule",
    "prometheusrules",
    "rule",
    "rules",
    "silence",
    "silences",
    "mute",
    "dashboard",
    "dashboards",
    "panel",
    "promql",
    "query",
    "queries",
    "scrape",
    "scraping",
    "target",
    "targets",
    "datasource",
    "datasources",
    "slo",
    "slos",
    "firing",
    "fired",
    "page",
    "paged",
    "say",
    "says",
    "show",
    "shows",
    "metric",
    "metrics",
    "latency",
];

/// "logs of grafana", "scale grafana to 2 in monitoring", "is prometheus
/// running", "delete pod alertmanager-0": an observability product named
/// with a Kubernetes verb, kind or state is the workload of that name, which
/// kubeop reads, changes and diagnoses; the hand-off stays for the
/// product's own domain (alerts, rules, dashboards, queries: "what does
/// prometheus say about checkout").
fn products_named_as_objects(tokens: &mut [Token<'_>]) {
    if !tokens
        .iter()
        .any(|t| OBSERVABILITY_PRODUCTS.contains(&t.low))
        || tokens.iter().any(|t| {
            OBSERVABILITY_DOMAIN.contains(&t.low)
                || matches!(
                    t.w(),
                    Some(W::Helm | W::Release | W::Argo | W::Sync | W::Promote)
                )
        })
    {
        return;
    }
    let kubernetes = tokens.iter().any(|t| {
        t.kind().is_some()
            || matches!(
                t.w(),
                Some(
                    W::Logs
                        | W::Describe
                        | W::Top
                        | W::Tail
                        | W::Change(_)
                        | W::Running
                        | W::Pending
                        | W::Wrong
                        | W::Restarts
                        | W::Down
                        | W::Replicas
                        | W::Image
                        | W::Container
                        | W::Usage
                )
            )
            || matches!(t.low, "ready" | "rollout" | "events")
    });
    if !kubernetes {
        return;
    }
    for token in tokens.iter_mut() {
        if token.shape == Shape::Word && OBSERVABILITY_PRODUCTS.contains(&token.low) {
            token.lex = Lex::Unknown;
        }
    }
}

/// "get deploy -n security", "pods in namespace auth", "list pods in
/// debug": a topic word (security, auth, dns, debug, metrics...) written
/// where a namespace goes is the namespace's name, and becomes a plain word
/// before anything looks for topics, so that it neither starts an RBAC audit
/// or a debug pod nor loses the namespace. Change verbs are never read so:
/// a change written anywhere stays a change.
/// "my service doesn't work", "checkout is not working", "checkout returns
/// 503": a symptom, which sends the request to the diagnosis, never a name
/// ("work") or a count (503) read as one.
fn not_working(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        // "checkout returns 503", "web throws 502 errors": an HTTP server
        // error, never a count or a name.
        let server_error = parse_number(tokens[i].low.strip_suffix('s').unwrap_or(tokens[i].low))
            .is_some_and(|code| (500..600).contains(&code))
            && (i > 0
                && matches!(
                    tokens[i - 1].low,
                    "returns"
                        | "returning"
                        | "throws"
                        | "throwing"
                        | "gives"
                        | "giving"
                        | "serves"
                        | "serving"
                        | "responds"
                        | "responding"
                        | "with"
                        | "getting"
                        | "a"
                        | "of"
                )
                || tokens.get(i + 1).is_some_and(|next| {
                    matches!(next.low, "error" | "errors" | "response" | "responses")
                })
                // "checkout 503 in prod", "api 502s": the code right after a
                // name, in a request that orders nothing ("scale web 500" counts).
                || (i > 0
                    && !tokens.iter().any(|t| matches!(t.w(), Some(W::Change(_))))
                    && tokens[i - 1].shape == Shape::Word
                    && tokens[i - 1].lex == Lex::Unknown
                    && is_name_shaped(tokens[i - 1].low)
                    && parse_number(tokens[i - 1].low).is_none()));
        if server_error {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        // "the node selector of postgres", "node affinity": a field, not a Node.
        if matches!(
            tokens[i].kind(),
            Some((ResourceKind::Node, Number::Singular))
        ) && tokens[i].value.is_none()
            && tokens.get(i + 1).is_some_and(|next| {
                matches!(next.low, "selector" | "selectors" | "affinity" | "name")
            })
        {
            tokens[i].lex = Lex::W(W::Filler);
            tokens[i + 1].lex = Lex::W(W::Filler);
            continue;
        }
        // "alert KubePodCrashLooping firing for web-1", `alert=...`: an
        // alert named after a pod's failure reports that failure.
        // (Only about a pod named: "silence the KubePodCrashLooping alert"
        // stays the observability agent's.)
        let about_a_pod = || {
            tokens.iter().any(|t| {
                (t.lex == Lex::Unknown && t.shape == Shape::Word && looks_like_pod_name(t.low))
                    || (t.shape == Shape::Assign && t.low == "app")
            })
        };
        if (tokens[i].shape == Shape::Word
            && tokens[i].lex == Lex::Unknown
            // An alert's CamelCase name is longer than the symptom words.
            && tokens[i].low.len() > 12
            && ["crashloop", "oomkill", "imagepull", "containerwaiting"]
                .iter()
                .any(|symptom| tokens[i].low.contains(symptom))
            && about_a_pod())
            || (tokens[i].shape == Shape::Assign && matches!(tokens[i].low, "alert" | "alertname"))
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        // "which pods restart the most", "what restarts most often": a
        // ranking asked by a question, never a restart to make.
        let ranking = || {
            let most_at = match tokens.get(i + 1) {
                Some(next) if next.w() == Some(W::Most) => Some(i + 1),
                Some(next) if next.low == "the" => tokens
                    .get(i + 2)
                    .filter(|t| t.w() == Some(W::Most))
                    .map(|_| i + 2),
                _ => None,
            };
            // The ranking closes the clause: not "restart the most memory".
            most_at.is_some_and(|m| {
                tokens.get(m + 1).is_none_or(|after| {
                    after.shape == Shape::Flag
                        || matches!(after.w(), Some(W::In | W::Across | W::Polite))
                        || matches!(after.low, "often" | "frequently" | "times")
                })
            })
        };
        if i > 0
            && tokens[i].lex == Lex::W(W::Change(Change::Restart))
            && ranking()
            && tokens[0].w() == Some(W::Question)
            && (tokens[i - 1].w() == Some(W::Question)
                || matches!(
                    tokens[i - 1].kind(),
                    Some((ResourceKind::Pod, Number::Plural))
                ))
        {
            tokens[i].lex = Lex::W(W::Restarts);
            continue;
        }
        // "stuck in Init in billing", "in Init:0/1", "in Terminating": a
        // pod's STATUS after "in" is its state, never a namespace.
        if tokens[i].w() == Some(W::In)
            && let Some(next) = tokens.get(i + 1)
            && next.shape == Shape::Word
            && (matches!(
                next.low,
                "init" | "terminating" | "containercreating" | "podinitializing" | "unknown"
            ) || next.low.starts_with("init:")
                || is_pod_symptom(next.low))
        {
            tokens[i].lex = Lex::W(W::Filler);
            tokens[i + 1].lex = Lex::W(W::Wrong);
            continue;
        }
        // "why can't the node pull the image for web": pulling an image,
        // asked about, is the image-pull symptom, never a read or a name.
        if tokens[i].shape == Shape::Word
            && matches!(tokens[i].low, "pull" | "pulling" | "pulls")
            && tokens[i + 1..]
                .iter()
                .take(2)
                .any(|t| matches!(t.low, "image" | "images"))
            && tokens.iter().any(|t| {
                t.w() == Some(W::Why)
                    || t.low.ends_with("n't")
                    || t.low == "cannot"
                    || t.low == "cant"
            })
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        // "why did my pod get deleted", "the pods that were deleted": what
        // happened to them, never a name ("who deleted X" keeps the verb).
        if tokens[i].low == "deleted"
            && tokens[i].lex == Lex::Unknown
            && i > 0
            && matches!(
                tokens[i - 1].low,
                "get" | "got" | "was" | "were" | "been" | "being"
            )
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "something is off with cart": a symptom, never a name.
        if tokens[i].low == "off"
            && i > 0
            && tokens[i - 1].w() == Some(W::Be)
            && tokens.get(i + 1).is_some_and(|next| next.low == "with")
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        // "users are getting 502s from the shop frontend", "customers see
        // errors on checkout": who suffers the trouble, never its object.
        if tokens[i].lex == Lex::Unknown
            && matches!(
                tokens[i].low,
                "users" | "customers" | "clients" | "people" | "everyone" | "everybody"
            )
            && tokens[..i]
                .iter()
                .all(|t| matches!(t.w(), Some(W::Filler | W::Polite)))
            && tokens.get(i + 1).is_some_and(|next| {
                matches!(next.low, "are" | "were" | "arent" | "aren't")
                    || matches!(
                        next.low,
                        "get"
                            | "getting"
                            | "see"
                            | "seeing"
                            | "report"
                            | "reporting"
                            | "complain"
                            | "complaining"
                            | "hit"
                            | "hitting"
                            | "can't"
                            | "cant"
                            | "cannot"
                    )
            })
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "search-api is 500ing", "web keeps 502ing": a server error as a verb.
        if tokens[i].shape == Shape::Word
            && tokens[i].lex == Lex::Unknown
            && tokens[i]
                .low
                .strip_suffix("ing")
                .and_then(parse_number)
                .is_some_and(|code| (500..600).contains(&code))
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        if i == 0 {
            continue;
        }
        // "network policies that apply to cart": a relation, not an apply.
        if matches!(tokens[i].low, "apply" | "applies")
            && matches!(tokens[i - 1].low, "that" | "which")
            && tokens
                .get(i + 1)
                .is_some_and(|next| next.w() == Some(W::To))
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "which pods are not ready", "the api isn't ready": a symptom.
        if tokens[i].low == "ready"
            && (tokens[i - 1].w() == Some(W::Not)
                || (tokens[i - 1].w() == Some(W::Be)
                    && (tokens[i - 1].low.ends_with("n't") || tokens[i - 1].low.ends_with("nt"))))
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        // "nightly-export never runs", "checkout is not picking up the new
        // image", "the hpa isn't scaling": an activity denied is a symptom.
        // ("cart can't pull its image": an inability too.)
        let denied = tokens[i - 1].w() == Some(W::Not)
            || tokens[i - 1].low == "cannot"
            || (matches!(tokens[i - 1].w(), Some(W::Do | W::Be | W::Can))
                && (tokens[i - 1].low.ends_with("n't") || tokens[i - 1].low.ends_with("nt")));
        if denied
            && tokens[i].shape == Shape::Word
            && matches!(
                tokens[i].low,
                "picking"
                    | "rolling"
                    | "runs"
                    | "fires"
                    | "firing"
                    | "triggers"
                    | "triggering"
                    | "updating"
                    | "progressing"
                    | "completes"
                    | "completing"
                    | "finishes"
                    | "finishing"
                    | "serving"
                    | "responding"
                    | "coming"
                    | "come"
                    | "comes"
                    | "becoming"
                    | "pulling"
                    | "pull"
                    | "pulls"
                    | "scaling"
            )
        {
            tokens[i].lex = Lex::W(W::Wrong);
            continue;
        }
        if matches!(tokens[i].low, "work" | "working" | "works")
            && tokens[i].lex == Lex::Unknown
            && (tokens[i - 1].w() == Some(W::Not)
                || tokens[i - 1].low == "stopped"
                // "doesn't", "isn't", "doesnt": a negated auxiliary.
                || matches!(tokens[i - 1].w(), Some(W::Do | W::Be))
                    && (tokens[i - 1].low.ends_with("n't") || tokens[i - 1].low.ends_with("nt")))
        {
            tokens[i].lex = Lex::W(W::Wrong);
        }
    }
}

/// "the site is down", "our website is broken", "is the platform down?":
/// the whole of what the cluster serves, in trouble, is the cluster's
/// health, never a workload named "site" (unless a kind names it: "the
/// website deployment is down").
fn whole_service_in_trouble(tokens: &mut [Token<'_>], at: usize) {
    let kind_next_to = |j: Option<usize>| {
        j.and_then(|j| tokens.get(j))
            .is_some_and(|t| t.kind().is_some())
    };
    if !kind_next_to(at.checked_sub(1))
        && !kind_next_to(Some(at + 1))
        && tokens
            .iter()
            .any(|t| matches!(t.w(), Some(W::Down | W::Wrong)))
        && !tokens.iter().any(|t| matches!(t.w(), Some(W::Change(_))))
    {
        tokens[at].lex = Lex::W(W::Cluster);
    }
}

/// "which storage class is the default", "the default ingress class": the
/// class the cluster marks as its default (an annotation every class's row
/// shows), read from the list; never a class named "default" (which
/// `describe storageclass default` still names).
fn default_class(tokens: &mut [Token<'_>], k: usize) {
    for i in 0..tokens.len() {
        if tokens[i].low == "default"
            && tokens[i].shape == Shape::Word
            && (i + 1 == k || (i > k && matches!(tokens[i - 1].low, "the" | "is")))
        {
            tokens[i].lex = Lex::W(W::Filler);
        }
    }
}

/// "endpoints of svc checkout", "the endpoints for service cart": a
/// Service's Endpoints carry its name, so the Service's kind word only
/// says whose they are; it becomes a filler and the name is the
/// Endpoints' own ("endpoints of checkout").
fn endpoints_of_service(tokens: &mut [Token<'_>], e: usize) {
    let Some(s) = (e + 1..tokens.len().min(e + 4)).find(|&j| {
        matches!(
            tokens[j].kind(),
            Some((ResourceKind::Service, Number::Singular | Number::Short))
        )
    }) else {
        return;
    };
    if tokens[e + 1..s]
        .iter()
        .all(|t| matches!(t.low, "of" | "for" | "the" | "behind"))
    {
        // (`svc/web`: its name moves to the Endpoints.)
        tokens[e].value = tokens[s].value.take();
        tokens[s].lex = Lex::W(W::Filler);
    }
}

/// One pass over the tokens for the words that start a rewrite of a
/// phrase naming an object (most requests have none of them), then the
/// rewrites that apply: [`whole_service_in_trouble`], [`default_class`],
/// [`endpoints_of_service`].
fn object_phrases(tokens: &mut [Token<'_>]) {
    let (mut site, mut class, mut endpoints) = (None, None, None);
    for (i, t) in tokens.iter().enumerate() {
        match t.lex {
            Lex::Unknown
                if site.is_none()
                    && matches!(t.low, "site" | "website" | "platform" | "webshop") =>
            {
                site = Some(i);
            }
            Lex::Kind(ResourceKind::StorageClass | ResourceKind::IngressClass, _)
                if class.is_none() && t.value.is_none() =>
            {
                class = Some(i);
            }
            Lex::Kind(ResourceKind::Endpoints, _) if endpoints.is_none() && t.value.is_none() => {
                endpoints = Some(i);
            }
            _ => {}
        }
    }
    if let Some(at) = site {
        whole_service_in_trouble(tokens, at);
    }
    if let Some(k) = class {
        default_class(tokens, k);
    }
    if let Some(e) = endpoints {
        endpoints_of_service(tokens, e);
    }
}

fn topic_words_naming_namespaces(tokens: &mut [Token<'_>]) {
    let is_topic = |token: &Token<'_>| {
        token.shape == Shape::Word
            && is_name_shaped(token.low)
            && matches!(
                token.w(),
                Some(
                    W::Rbac
                        | W::Audit
                        | W::Network
                        | W::Debug
                        | W::Troubleshoot
                        | W::Health
                        | W::Usage
                        | W::Observability
                        | W::Argo
                        | W::Helm
                        | W::Release
                        | W::Logs
                        | W::Config
                        | W::Busybox
                        | W::Shell
                        | W::Stats
                        | W::NodeService
                        | W::Pressure
                        | W::Capacity
                        | W::Warning
                )
            )
    };
    let last = tokens
        .iter()
        .rposition(|t| !matches!(t.w(), Some(W::Filler | W::Polite)));
    for i in 1..tokens.len() {
        if !is_topic(&tokens[i]) {
            continue;
        }
        let prev = tokens[i - 1];
        let after_flag = prev.shape == Shape::Flag
            && matches!(prev.low, "-n" | "--namespace")
            && prev.value.is_none();
        let after_namespace_word = matches!(
            prev.kind(),
            Some((ResourceKind::Namespace, Number::Singular | Number::Short))
        ) && (i < 2
            || matches!(
                tokens[i - 2].w(),
                Some(W::In | W::From | W::Of | W::For | W::Read | W::Describe)
            ))
            && tokens.get(i + 1).is_none_or(|next| {
                next.shape == Shape::Flag || matches!(next.w(), Some(W::In | W::On))
            });
        // "secrets in the auth namespace", "pods in debug ns".
        let before_namespace_word = matches!(
            tokens.get(i + 1).and_then(Token::kind),
            Some((ResourceKind::Namespace, Number::Singular | Number::Short))
        ) && tokens[i + 1].value.is_none()
            && (matches!(prev.w(), Some(W::In | W::From))
                || (prev.low == "the"
                    && i >= 2
                    && matches!(tokens[i - 2].w(), Some(W::In | W::From | W::Of | W::For))));
        // ("nodes under pressure": a state, never a namespace.)
        let closing_in = Some(i) == last
            && prev.w() == Some(W::In)
            && prev.low != "under"
            && tokens[..i - 1]
                .iter()
                .any(|t| matches!(t.kind(), Some((kind, _)) if kind != ResourceKind::Namespace));
        if after_flag || after_namespace_word || before_namespace_word || closing_in {
            tokens[i].lex = Lex::Unknown;
        }
    }
}

/// Shortest kind spelling whose typos are recognised: shorter words ("pods",
/// "jobs") are one letter away from too many names ("code" is one letter
/// from "node"), so for them only two swapped neighbours count.
const MIN_MISSPELT_KIND_BYTES: usize = 6;

/// Shortest word read as a kind with two neighbouring letters swapped
/// ("pdos", "ndoes", "jbos"): a swap keeps every letter, so it is
/// unambiguous from four letters on.
const MIN_SWAPPED_KIND_BYTES: usize = 4;

/// A kind word with a typo ("get deploymnets in staging") in a request that
/// names no kind otherwise. In a read it is corrected in place (reading the
/// wrong kind only reads, and guessing another kind or pods would answer a
/// different question silently); in a change it is returned, to be asked
/// about.
fn misspelled_kind(tokens: &mut [Token<'_>]) -> Option<&'static str> {
    if tokens.iter().any(|t| t.kind().is_some()) {
        return None;
    }
    let (at, (word, kind, number)) = tokens.iter().enumerate().find_map(|(i, token)| {
        // Where a kind is written: first, or after a verb, "all", "which"...
        // ("Enter leaves it" is no misspelt "leases").
        let kind_position = tokens[..i]
            .iter()
            .rev()
            .find(|t| !matches!(t.w(), Some(W::Filler | W::Polite)))
            .is_none_or(|t| {
                matches!(
                    t.w(),
                    Some(
                        W::Read
                            | W::Describe
                            | W::Change(_)
                            | W::All
                            | W::Count
                            | W::Question
                            | W::Watch
                            | W::Kubectl
                    )
                )
            });
        if token.lex != Lex::Unknown
            || token.shape != Shape::Word
            || token.low.len() < MIN_SWAPPED_KIND_BYTES
            || !token.low.bytes().all(|b| b.is_ascii_lowercase())
            || !kind_position
        {
            return None;
        }
        let low = token.low.as_bytes();
        if low.len() < MIN_MISSPELT_KIND_BYTES {
            return crate::kinds::KIND_WORDS
                .iter()
                .find(|(word, _, _)| neighbours_swapped(low, word.as_bytes()))
                .map(|found| (i, *found));
        }
        // One typo leaves a word of 6 or more letters with its first two or
        // its last two letters: a cheap test that rules out most kind words.
        let (head, tail) = (&low[..2], &low[low.len() - 2..]);
        crate::kinds::KIND_WORDS
            .iter()
            .find(|(word, _, _)| {
                let kind = word.as_bytes();
                kind.len() >= MIN_MISSPELT_KIND_BYTES
                    && kind.len().abs_diff(low.len()) <= 1
                    && (kind[..2] == *head || kind[kind.len() - 2..] == *tail)
                    && one_typo_apart(token.low, word)
            })
            .map(|found| (i, *found))
    })?;
    if tokens.iter().any(|t| matches!(t.w(), Some(W::Change(_)))) {
        return Some(word);
    }
    tokens[at].lex = Lex::Kind(kind, number);
    None
}

/// "pods in namepsace staging", "deployments in the namspace batch": the
/// word "namespace" with one typo, where it introduces a namespace (after
/// "in", "of", "for", "from"), is that word, so the name after it is the
/// namespace and the typo is never taken for one. Other kinds may be named
/// too (unlike [`misspelled_kind`]): the namespace only scopes them.
fn misspelled_namespace_word(tokens: &mut [Token<'_>]) {
    for i in 1..tokens.len() {
        let token = tokens[i];
        if token.lex != Lex::Unknown
            || token.shape != Shape::Word
            || !(8..=11).contains(&token.low.len())
            || !matches!(
                tokens[..i]
                    .iter()
                    .rev()
                    .find(|t| !matches!(t.w(), Some(W::Filler)))
                    .and_then(Token::w),
                Some(W::In | W::Of | W::For | W::From)
            )
        {
            continue;
        }
        if one_typo_apart(token.low, "namespace") {
            tokens[i].lex = Lex::Kind(ResourceKind::Namespace, Number::Singular);
        } else if one_typo_apart(token.low, "namespaces") {
            tokens[i].lex = Lex::Kind(ResourceKind::Namespace, Number::Plural);
        }
    }
}

/// The cluster's own namespaces, each with its spelling without separators:
/// a typo of one of them ("kube-sytem", "kubesystem", "kube_system") is
/// that namespace, as no one names a namespace of their own that way.
const SYSTEM_NAMESPACES: [(&str, &str); 3] = [
    (SYSTEM_NAMESPACE, "kubesystem"),
    ("kube-public", "kubepublic"),
    ("kube-node-lease", "kubenodelease"),
];

/// The system namespace `word` misspells (one letter missing, added,
/// changed or swapped, the dash left out or written `_`), if any.
fn misspelt_system_namespace(word: &str) -> Option<&'static str> {
    // Every spelling in reach starts with "k" and has 9 to 16 bytes.
    if !(9..=16).contains(&word.len()) || !word.starts_with('k') {
        return None;
    }
    let mut squeezed = [0u8; 16];
    let mut len = 0;
    for b in word.bytes().filter(|&b| b != b'-' && b != b'_') {
        squeezed[len] = b;
        len += 1;
    }
    let squeezed = std::str::from_utf8(&squeezed[..len]).ok()?;
    SYSTEM_NAMESPACES
        .iter()
        .find(|(spelt, bare)| {
            word != *spelt && (squeezed == *bare || one_typo_apart(squeezed, bare))
        })
        .map(|(spelt, _)| *spelt)
}

/// "pods in kube-sytem", "-n kubesystem", "logs of coredns in kube system":
/// the cluster's own namespaces with a typo, or written in two words, are
/// spelt right, wherever they stand (a namespace nobody has cannot be
/// meant). Other names are never corrected: a typo of an ordinary name may
/// be another object's real name.
fn system_namespace_typos(tokens: &mut Vec<Token<'_>>) {
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        if token.shape == Shape::Word
            && token.low == "kube"
            && let Some(next) = tokens.get(i + 1)
            && next.shape == Shape::Word
            && let Some(spelt) = SYSTEM_NAMESPACES
                .iter()
                .map(|(spelt, _)| *spelt)
                .find(|spelt| spelt[5..] == *next.low)
        {
            tokens[i] = Token {
                raw: spelt,
                low: spelt,
                lex: Lex::Unknown,
                full: spelt,
                ..token
            };
            tokens.remove(i + 1);
        } else if token.lex == Lex::Unknown
            && token.shape == Shape::Word
            && let Some(spelt) = misspelt_system_namespace(token.low)
        {
            tokens[i] = Token {
                raw: spelt,
                low: spelt,
                full: spelt,
                ..token
            };
        } else if token.shape == Shape::Flag
            && matches!(token.low, "-n" | "--namespace")
            && let Some(spelt) = token.value.and_then(misspelt_system_namespace)
        {
            tokens[i].value = Some(spelt);
        }
        i += 1;
    }
}

/// Words shaped like values that never name an object: the particle of
/// "scale it back to 1", a span of time
/// written as kubectl writes it (`--since=30m`) after the words that open
/// one ("pods restarted in the last 30m", "logs since 2h"; the read's focus
/// reads the span from the text), and a ticket's id typed in capitals
/// ("incident INC-1234: payments timing out", "JIRA-42"), which no
/// Kubernetes name can be. A quantity elsewhere ("500m") is left as it is:
/// it may be a CPU amount.
fn non_names(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        if tokens[i].shape != Shape::Word {
            continue;
        }
        // "scale it back to 1": the particle after a pronoun.
        if tokens[i].low == "back"
            && i > 0
            && matches!(tokens[i - 1].low, "it" | "them" | "that" | "this")
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "incident INC-1234: payments timing out", "outage: checkout
        // down", "sev1 web 500s": the label a report opens with says what
        // kind of message it is, and names nothing.
        if tokens[..i]
            .iter()
            .all(|t| matches!(t.w(), Some(W::Filler | W::Polite)))
            && tokens[i].lex == Lex::Unknown
            && matches!(
                tokens[i].low,
                "incident"
                    | "outage"
                    | "ticket"
                    | "sev0"
                    | "sev1"
                    | "sev2"
                    | "sev3"
                    | "urgent"
                    | "fyi"
            )
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "what node selector does X have", "its pod affinity": the first word of a pod template field
        // written in two words names nothing (the field word says what is
        // asked).
        if let Some(next) = tokens.get(i + 1)
            && matches!(
                (tokens[i].low, next.low),
                ("node", "selector" | "selectors" | "affinity")
                    | ("pod", "affinity" | "antiaffinity" | "anti-affinity")
                    | ("volume", "mounts")
            )
        {
            tokens[i].lex = Lex::W(W::Filler);
            continue;
        }
        // "most recent pods", "most recently created deployments": an
        // order of the list (the read focus's newest first), not the
        // highest usage "most" asks for elsewhere, and the participle after
        // "recently" says how the objects came, naming none of them.
        if matches!(tokens[i].low, "recent" | "recently" | "newly") {
            tokens[i].lex = Lex::W(W::Filler);
            if i > 0 && tokens[i - 1].w() == Some(W::Most) {
                tokens[i - 1].lex = Lex::W(W::Filler);
            }
            if let Some(next) = tokens.get_mut(i + 1)
                && next.lex == Lex::Unknown
                && next.shape == Shape::Word
                && next.low.len() > 4
                && next.low.ends_with("ed")
            {
                next.lex = Lex::W(W::Filler);
            }
            continue;
        }
        let raw = tokens[i].raw.as_bytes();
        if raw.first().is_some_and(u8::is_ascii_uppercase) {
            // ("logs of API-1": a pod's name typed in capitals stays one;
            // only a ticket's word before it, or three digits or more
            // opening the request, make it a ticket's id.)
            if let Some(dash) = raw.iter().position(|&b| b == b'-')
                && dash >= 2
                && raw[..dash].iter().all(u8::is_ascii_uppercase)
                && raw.len() > dash + 1
                && raw[dash + 1..].iter().all(u8::is_ascii_digit)
                && (i.checked_sub(1).is_some_and(|p| {
                    matches!(
                        tokens[p].low,
                        "incident" | "ticket" | "issue" | "jira" | "case"
                    )
                }) || (i == 0 && raw.len() - dash > 3))
            {
                tokens[i].lex = Lex::W(W::Filler);
            }
            continue;
        }
        let low = tokens[i].low.as_bytes();
        if i == 0
            || !low.first().is_some_and(u8::is_ascii_digit)
            || !matches!(low.last(), Some(b's' | b'm' | b'h' | b'd' | b'w'))
            || !low[..low.len() - 1].iter().all(u8::is_ascii_digit)
        {
            continue;
        }
        let opener = tokens[..i]
            .iter()
            .rev()
            .find(|t| t.low != "the")
            .is_some_and(|t| matches!(t.low, "last" | "past" | "since" | "previous"));
        if opener {
            tokens[i].lex = Lex::W(W::Filler);
        }
    }
}

/// "why is search down in billing", "why is list failing": after "why
/// is" and before a state of trouble, a read verb ("search", "list",
/// "check", "find") stands where the subject goes, so it is the name of
/// the workload asked about. "scale search to 6 in catalog", "restart
/// status -n prod", "logs of search in catalog": a reading word right
/// after a verb that takes an object (a change that names one, "logs",
/// "describe") and closed by the end, a flag, a count or a place is that
/// object's name; it orders nothing (a verb never follows a change verb
/// directly), and read as a verb it would lose the change's target.
fn subjects_named_like_verbs(tokens: &mut [Token<'_>]) {
    if tokens.len() >= 4
        && tokens[0].low == "why"
        && matches!(tokens[1].low, "is" | "are")
        && matches!(tokens[2].w(), Some(W::Read | W::Describe))
        && (matches!(
            tokens[3].w(),
            Some(W::Wrong | W::Down | W::Restarts | W::Pending | W::Not)
        ) || matches!(tokens[3].low, "slow" | "so"))
    {
        tokens[2].lex = Lex::Unknown;
    }
    // "list search pods", "show me the search deployments": a read verb
    // after the read verb that opens the request, right before a plural
    // kind, says whose objects are listed.
    let meaningful = |t: &Token<'_>| !matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl));
    if let Some(verb) = tokens.iter().position(meaningful)
        && tokens[verb].w() == Some(W::Read)
        && let Some(at) = tokens[verb + 1..]
            .iter()
            .position(meaningful)
            .map(|p| verb + 1 + p)
        && tokens[at].shape == Shape::Word
        && tokens[at].w() == Some(W::Read)
        && tokens.get(at + 1).is_some_and(|next| {
            next.value.is_none() && matches!(next.kind(), Some((_, Number::Plural)))
        })
    {
        tokens[at].lex = Lex::Unknown;
    }
    // The request's own verb: only words of address and a read verb
    // ("show logs of ...", "can you scale ...") before it, so a change word
    // used as a noun ("what's the restart status") is never a head.
    let Some(head) = tokens.iter().position(|t| {
        !matches!(
            t.w(),
            Some(
                W::Filler | W::Polite | W::Kubectl | W::Can | W::Read | W::Change(Change::Rollout)
            )
        )
    }) else {
        return;
    };
    let change_head = matches!(
        tokens[head].w(),
        Some(W::Change(
            Change::Scale
                | Change::Restart
                | Change::Delete
                | Change::Kill
                | Change::Stop
                | Change::Start
                | Change::Suspend
                | Change::Resume
        ))
    );
    let at = match tokens.get(head + 1) {
        Some(of) if !change_head && matches!(of.w(), Some(W::Of | W::For)) => head + 2,
        _ => head + 1,
    };
    let Some(word) = tokens.get(at) else {
        return;
    };
    let reading_word = word.shape == Shape::Word
        && matches!(
            word.w(),
            Some(
                W::Read
                    | W::Describe
                    | W::Top
                    | W::Logs
                    | W::Watch
                    | W::Status
                    | W::Sync
                    | W::Audit
                    | W::Debug
            )
        );
    let count =
        |t: &Token<'_>| parse_number(t.low).is_some() || matches!(t.w(), Some(W::Number(_)));
    let closed = tokens.get(at + 1).is_none_or(|next| {
        next.shape == Shape::Flag
            || matches!(next.w(), Some(W::In | W::On | W::From))
            || (change_head
                && (count(next)
                    || (next.w() == Some(W::To) && tokens.get(at + 2).is_some_and(count))))
    });
    if reading_word
        && closed
        && (change_head || matches!(tokens[head].w(), Some(W::Logs | W::Describe)))
    {
        tokens[at].lex = Lex::Unknown;
    }
}

/// Change verbs a typo at the head of a request most likely meant.
const CHANGE_VERBS_TO_SPELL: &[&str] = &[
    "delete", "remove", "scale", "restart", "create", "rollout", "rollback", "cordon", "uncordon",
    "drain", "label", "annotate", "patch", "apply", "update", "upgrade", "execute", "deploy",
    "destroy", "suspend", "resume",
];

/// Read verbs a typo at the head of a request most likely meant; reads are
/// harmless, so these are corrected silently.
const READ_VERBS_TO_SPELL: &[&str] = &["list", "show", "describe", "get", "logs", "check"];

/// The verb of a request whose first word is a typo ("delte pod web-1",
/// "scael web to 3", "lsit pods"). A misspelt read verb is corrected in
/// place; a misspelt change verb is returned, to be asked about rather than
/// guessed (never read as a read, never acted on). Only the first word,
/// before an object or a flag, so an object named "updater" is not a verb.
fn misspelled_verb(tokens: &mut [Token<'_>]) -> Option<&'static str> {
    let first = tokens
        .iter()
        .position(|t| !matches!(t.w(), Some(W::Filler | W::Polite | W::Kubectl)))?;
    let token = tokens[first];
    if token.lex != Lex::Unknown
        || token.shape != Shape::Word
        || token.low.len() < 3
        || !token.low.bytes().all(|b| b.is_ascii_lowercase())
        // "checkout is crashing": a subject, not a verb.
        || tokens
            .get(first + 1)
            .is_some_and(|next| matches!(next.w(), Some(W::Be | W::Restarts | W::Wrong | W::Do)))
    {
        return None;
    }
    if let Some(verb) = READ_VERBS_TO_SPELL
        .iter()
        .find(|verb| one_typo_apart(token.low, verb))
    {
        tokens[first].lex = crate::vocab::lookup(verb);
        return None;
    }
    CHANGE_VERBS_TO_SPELL
        .iter()
        .find(|verb| verb.len() >= 4 && one_typo_apart(token.low, verb))
        .copied()
}

/// Whether `word` is `kind` with two neighbouring letters swapped ("pdos").
fn neighbours_swapped(word: &[u8], kind: &[u8]) -> bool {
    if word.len() != kind.len() {
        return false;
    }
    let Some(first) = word.iter().zip(kind).position(|(a, b)| a != b) else {
        return false;
    };
    first + 1 < word.len()
        && word[first] == kind[first + 1]
        && word[first + 1] == kind[first]
        && word[first + 2..] == kind[first + 2..]
}

/// Whether `word` is `verb` with one letter missing, added, changed, or two
/// neighbours swapped (and is not `verb` itself).
fn one_typo_apart(word: &str, verb: &str) -> bool {
    let (a, b) = (word.as_bytes(), verb.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    // One typo in a word of three letters or more leaves its first or its
    // last letter: a cheap test that rules out most pairs.
    if a.len() >= 3 && b.len() >= 3 && a.first() != b.first() && a.last() != b.last() {
        return false;
    }
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (rest_a, rest_b) = (&a[common..], &b[common..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            rest_a[1..] == rest_b[1..]
                || (rest_a.len() >= 2
                    && rest_a[0] == rest_b[1]
                    && rest_a[1] == rest_b[0]
                    && rest_a[2..] == rest_b[2..])
        }
        std::cmp::Ordering::Less => rest_a == &rest_b[1..],
        std::cmp::Ordering::Greater => &rest_a[1..] == rest_b,
    }
}

/// Whether the request asks about every namespace (`-A`, "all pods",
/// "across namespaces", "in the cluster"): a session's namespace (kubeop's
/// `set-context --namespace`) does not narrow such a request.
pub fn spans_all_namespaces(text: &str) -> bool {
    if text.len() > MAX_REQUEST_BYTES {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let mut tokens = Vec::with_capacity(32);
    lex(text, &lower, &mut tokens);
    if tokens.len() > MAX_TOKENS {
        return false;
    }
    let mut analysis = Analysis::new(&tokens);
    analysis.scan();
    analysis.all_namespaces || analysis.has_w_anywhere(&[W::All, W::Cluster])
}

/// Where a candidate value stands relative to the words around it; decides
/// whether it is a name, a namespace or a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Right after "named"/"called", or a quoted string.
    Named,
    /// Right after the kind word ("pod web").
    AfterKind,
    /// Right before a singular kind word ("the web deployment").
    BeforeKind,
    /// Right before a plural kind word ("staging pods"): a namespace.
    BeforePlural,
    /// After "in"/"on"/"inside": a namespace.
    In,
    /// After "of"/"for"/"from"/"by": a name if one is needed, else a namespace.
    Of,
    /// After "to": a namespace for creations, else a name.
    To,
    /// Right after a verb ("restart web").
    AfterVerb,
    /// Anywhere else.
    Other,
}

/// Slots and facts gathered from the tokens.
struct Analysis<'t, 'a> {
    tokens: &'t [Token<'a>],
    /// Every role the request's words have, for [`Analysis::has_w_anywhere`].
    present: WordSet,
    /// Tokens already consumed as a value or a phrase.
    used: [bool; MAX_TOKENS],
    /// Live change verbs: (token index, verb).
    changes: Vec<(usize, Change)>,
    namespace: Option<String>,
    all_namespaces: bool,
    context: Option<String>,
    container: Option<String>,
    previous: bool,
    tail: Option<u32>,
    replicas: Option<u32>,
    /// The count came as "to 3": a target, even after "add" or "increase".
    replicas_after_to: bool,
    image: Option<String>,
    label_selector: Option<String>,
    field_selector: Option<String>,
    port: Option<u16>,
    /// `--target-port`: the port a Service sends to on its pods.
    target_port: Option<u16>,
    /// `--type` of a Service exposed (`NodePort`, `LoadBalancer`, `ClusterIP`).
    service_type: Option<&'static str>,
    /// `kubectl autoscale`'s `--min`, `--max` and `--cpu-percent`.
    autoscale: manifest::AutoscaleFlags,
    /// `--name`: the name of the object a command makes (`kubectl expose
    /// deployment web --name=web-public`).
    named_flag: Option<String>,
    grace_period: Option<u32>,
    minified: Option<bool>,
    node_query: Option<String>,
    command: Option<Vec<String>>,
    literals: Vec<(String, String)>,
    schedule: Option<String>,
    /// `--from=cronjob/X`: the CronJob whose job template a new Job copies.
    from_cronjob: Option<String>,
    /// `-f FILE`: a manifest on disk kubeop cannot read.
    file: bool,
    /// `--all` or "all pods" with a change: a bulk change.
    bulk: bool,
    chained: bool,
    unsafe_pipe: bool,
    switch_context: bool,
    rbac: bool,
    rbac_subject: Option<String>,
    kubectl: bool,
    rollout_read: bool,
    /// The request names several namespaces ("in production and staging").
    several_namespaces: bool,
    /// The change's target named no kind and a Deployment was assumed
    /// (reported as the mutation's `kind_defaulted`).
    deployment_assumed: bool,
}

fn is_name_shaped(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && text.bytes().any(|b| b.is_ascii_alphanumeric())
        && !text.starts_with(['-', '.'])
}

/// Whether a name follows one of the common conventions for naming nodes
/// (`worker-1`, `node-2`, `ip-10-0-1-7.ec2.internal`, `kind-control-plane`,
/// `gke-prod-pool-1-abcd`, `aks-nodepool1-1234-vmss000000`, `minikube`), so
/// that "on worker-1" names a node rather than a namespace.
fn is_node_name_shaped(text: &str) -> bool {
    const NODE_PREFIXES: [&str; 7] = [
        "worker", "node", "master", "ip-", "gke-", "aks-", "minikube",
    ];
    const NODE_INFIXES: [&str; 3] = ["control-plane", "-worker", "-node"];
    // Compared in place, ignoring case: no lower-case copy (this runs for
    // every candidate value of a request).
    let bytes = text.as_bytes();
    let starts_with = |prefix: &str| {
        bytes
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    let contains = |infix: &str| {
        bytes
            .windows(infix.len())
            .any(|window| window.eq_ignore_ascii_case(infix.as_bytes()))
    };
    is_name_shaped(text)
        && (NODE_PREFIXES.iter().any(|prefix| starts_with(prefix))
            || NODE_INFIXES.iter().any(|infix| contains(infix)))
}

fn is_image_shaped(text: &str) -> bool {
    !text.is_empty()
        // Bytes, not a `char` pattern: this runs for every unknown word.
        && text.bytes().any(|b| b == b':' || b == b'/')
        && !text.starts_with(['/', ':'])
        && !text.contains("://")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/@".contains(&b))
}

fn parse_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn owned(text: &str) -> String {
    text.to_ascii_lowercase()
}

impl<'t, 'a> Analysis<'t, 'a> {
    fn new(tokens: &'t [Token<'a>]) -> Self {
        let mut present = WordSet::default();
        for w in tokens.iter().filter_map(Token::w) {
            present.insert(w);
        }
        Analysis {
            tokens,
            present,
            used: [false; MAX_TOKENS],
            changes: Vec::new(),
            namespace: None,
            all_namespaces: false,
            context: None,
            container: None,
            previous: false,
            tail: None,
            replicas: None,
            replicas_after_to: false,
            image: None,
            label_selector: None,
            field_selector: None,
            port: None,
            target_port: None,
            service_type: None,
            named_flag: None,
            autoscale: manifest::AutoscaleFlags::default(),
            grace_period: None,
            minified: None,
            node_query: None,
            command: None,
            literals: Vec::new(),
            schedule: None,
            from_cronjob: None,
            file: false,
            bulk: false,
            chained: false,
            unsafe_pipe: false,
            switch_context: false,
            rbac: false,
            rbac_subject: None,
            kubectl: false,
            rollout_read: false,
            several_namespaces: false,
            deployment_assumed: false,
        }
    }

    fn len(&self) -> usize {
        self.tokens.len()
    }

    fn w(&self, i: usize) -> Option<W> {
        self.tokens.get(i).and_then(Token::w)
    }

    fn is_w(&self, i: usize, w: W) -> bool {
        self.w(i) == Some(w)
    }

    fn low(&self, i: usize) -> &'a str {
        self.tokens.get(i).map_or("", |t| t.low)
    }

    fn use_token(&mut self, i: usize) {
        if i < self.used.len() {
            self.used[i] = true;
        }
    }

    /// Uses up every word naming `kind`: the kind a change makes ("a
    /// service for web", "an hpa for checkout") is not its target's.
    fn use_kind_words(&mut self, kind: ResourceKind) {
        for i in 0..self.len() {
            if self.tokens[i]
                .kind()
                .is_some_and(|(named, _)| named == kind)
            {
                self.use_token(i);
            }
        }
    }

    /// A free token that can hold a value (a name, a namespace...). A bare
    /// number never does: "scale 3 to 5", "restart 2", "logs of 3" count
    /// or point at something (a row, a replica count), and an object named
    /// only by digits is so rare that reading one as a name would act on a
    /// guess; `kind/3` and a quoted "3" still name one.
    fn is_value(&self, i: usize) -> bool {
        let Some(token) = self.tokens.get(i) else {
            return false;
        };
        !self.used[i]
            && match token.shape {
                Shape::Quoted => true,
                Shape::Word => {
                    token.lex == Lex::Unknown
                        && is_name_shaped(token.low)
                        && !token.low.bytes().all(|b| b.is_ascii_digit())
                }
                _ => false,
            }
    }

    /// A token that carries no meaning of its own ("the", "my", "please").
    fn is_filler(&self, i: usize) -> bool {
        matches!(self.w(i), Some(W::Filler | W::Polite | W::Kubectl))
    }

    /// The index of the previous token that is not a filler.
    fn prev_meaningful(&self, i: usize) -> Option<usize> {
        (0..i).rev().find(|&j| !self.is_filler(j))
    }

    /// The index of the next token that is not a filler.
    fn next_meaningful(&self, i: usize) -> Option<usize> {
        (i + 1..self.len()).find(|&j| !self.is_filler(j))
    }

    /// The word right after an explicit marker ("namespace search"): any
    /// name-shaped word, even one with a meaning of its own.
    fn explicit_value_after(&self, i: usize) -> Option<usize> {
        let j = self.next_meaningful(i)?;
        let token = self.tokens.get(j)?;
        // "in the billing namespace when you get a chance": a clause
        // opens, no name follows.
        let free = !self.used[j]
            && matches!(token.shape, Shape::Word | Shape::Quoted)
            && is_name_shaped(token.low)
            && !(token.shape == Shape::Word && CONJUNCTIONS.contains(&token.low))
            // ("the shop namespace stuck in terminating": a state.)
            && token.low != "stuck";
        let structural = matches!(
            token.w(),
            Some(
                W::Change(_)
                    | W::In
                    | W::On
                    | W::From
                    | W::Of
                    | W::For
                    | W::To
                    | W::With
                    | W::Across
                    | W::By
                    | W::And
                    | W::Then
                    | W::All
                    | W::Named
                    | W::Into
                    | W::Be
                    | W::Do
                    // ("which namespace has the most pods": a ranking.)
                    | W::Most
            )
        );
        (free
            && !structural
            && token
                .kind()
                .is_none_or(|_| self.is_value(j) || token.value.is_none()))
        .then_some(j)
    }

    /// The value right after `i` (skipping fillers), if there is one.
    fn value_after(&self, i: usize) -> Option<usize> {
        self.next_meaningful(i).filter(|&j| self.is_value(j))
    }

    // ---------------------------------------------------------------- scan

    fn scan(&mut self) {
        self.scan_operators();
        self.scan_flags();
        self.scan_assignments();
        self.scan_context_phrases();
        self.scan_switch();
        self.scan_several_namespaces();
        self.scan_namespace_phrases();
        self.scan_container_phrases();
        self.scan_numbers();
        self.scan_rbac();
        self.scan_changes();
        self.scan_revision_question();
        self.scan_images();
    }

    /// "what revision is checkout on", "show previous revisions of cart":
    /// a workload's rollout history asked, read from the workload (as
    /// `kubectl rollout history` is), never a name "revision".
    fn scan_revision_question(&mut self) {
        if !self.changes.is_empty() {
            return;
        }
        for i in 0..self.len() {
            if !self.used[i] && matches!(self.low(i), "revision" | "revisions") {
                self.rollout_read = true;
                self.use_token(i);
            }
        }
    }

    /// Chains (`;`, `&&`, `||`), pipes into harmless filters, `--` commands.
    fn scan_operators(&mut self) {
        let mut i = 0;
        while i < self.len() {
            let token = self.tokens[i];
            match token.shape {
                Shape::Chain => {
                    self.chained = true;
                    self.use_token(i);
                }
                Shape::Pipe => {
                    self.use_token(i);
                    let next = self.low(i + 1);
                    if HARMLESS_FILTERS.contains(&next) {
                        // The filter and its arguments, up to the next operator.
                        let mut j = i + 1;
                        while j < self.len()
                            && !matches!(self.tokens[j].shape, Shape::Pipe | Shape::Chain)
                        {
                            // "| grep delete checkout": a change word after
                            // the filter is asked about, never read past.
                            if matches!(self.w(j), Some(W::Change(_))) {
                                self.unsafe_pipe = true;
                            }
                            self.use_token(j);
                            j += 1;
                        }
                        i = j;
                        continue;
                    }
                    self.unsafe_pipe = true;
                }
                Shape::DoubleDash => {
                    let mut command = Vec::new();
                    for j in i..self.len() {
                        self.use_token(j);
                        if j > i {
                            let part = &self.tokens[j];
                            match part.shape {
                                Shape::Chain | Shape::Pipe => {
                                    // A chain inside the command line: a shell will run it.
                                    command.push(part.raw.to_owned());
                                }
                                Shape::Quoted => {
                                    command.push(part.raw.to_owned());
                                }
                                Shape::Flag | Shape::Assign => {
                                    let mut text = part.raw.to_owned();
                                    if let Some(value) = part.value {
                                        text.push('=');
                                        text.push_str(value);
                                    }
                                    command.push(text);
                                }
                                _ => command.push(part.raw.to_owned()),
                            }
                        }
                    }
                    if !command.is_empty() {
                        self.command = Some(command);
                    }
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// The value of a flag: attached (`--x=v`) or the next word.
    fn flag_value(&mut self, i: usize) -> Option<&'a str> {
        if let Some(value) = self.tokens[i].value {
            return Some(value);
        }
        let next = self.tokens.get(i + 1)?;
        // A change verb is never a flag's value (`-o delete` is a change asked for).
        if matches!(next.shape, Shape::Word | Shape::Quoted | Shape::Assign)
            && !self.used[i + 1]
            && !matches!(next.w(), Some(W::Change(_)))
        {
            self.use_token(i + 1);
            return Some(next.full);
        }
        None
    }

    fn scan_flags(&mut self) {
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape != Shape::Flag || self.used[i] {
                continue;
            }
            self.use_token(i);
            self.kubectl = true;
            match token.low {
                // `tail -n 20 logs of redis`: tail's line count, not a namespace.
                "-n" if i > 0
                    && self.is_w(i - 1, W::Tail)
                    && self
                        .tokens
                        .get(i + 1)
                        .is_some_and(|t| parse_number(t.low).is_some()) =>
                {
                    self.tail = parse_number(self.low(i + 1));
                    self.use_token(i + 1);
                }
                "-n" | "--namespace" | "--ns" => {
                    if let Some(v) = self.flag_value(i) {
                        self.namespace = Some(owned(v));
                    }
                }
                "-a" | "--all-namespaces" | "--all-ns" => self.all_namespaces = true,
                "--context" | "--cluster" | "--kube-context" => {
                    if let Some(v) = self.flag_value(i) {
                        self.context = Some(v.to_owned());
                    }
                }
                // `psql -c 'select 1'`, `sh -c "ls /data"`: the option of
                // the command before it, left for the command line.
                "-c" if self.command_option(i) => self.used[i] = false,
                // `logs web -c proxy`, `-c migrate`: a container named like a
                // verb kubeop never runs is the container (other change verbs
                // stay the change asked for).
                "-c" | "--container"
                    if token.value.is_none()
                        && self.tokens.get(i + 1).is_some_and(|next| {
                            next.shape == Shape::Word
                                && matches!(
                                    next.w(),
                                    Some(W::Change(Change::PortForward | Change::Other))
                                )
                        })
                        && !self.used[i + 1] =>
                {
                    self.use_token(i + 1);
                    self.container = Some(owned(self.tokens[i + 1].raw));
                }
                "-c" | "--container" => {
                    if let Some(v) = self.flag_value(i) {
                        self.container = Some(owned(v));
                    }
                }
                "-p" | "--previous" => self.previous = true,
                "--tail" | "--tail-lines" | "--lines" => {
                    self.tail = self.flag_value(i).and_then(parse_number);
                }
                "--replicas" => {
                    self.replicas = self.flag_value(i).and_then(parse_number);
                    self.replicas_after_to = true;
                }
                "--image" => self.image = self.flag_value(i).map(str::to_owned),
                "-l" | "--selector" | "--label" | "--labels" => {
                    self.label_selector = self.selector_value(i);
                }
                "--field-selector" => self.field_selector = self.flag_value(i).map(str::to_owned),
                "--port" | "--container-port" => {
                    self.port = self
                        .flag_value(i)
                        .and_then(parse_number)
                        .and_then(|p| u16::try_from(p).ok());
                }
                "--target-port" => {
                    self.target_port = self
                        .flag_value(i)
                        .and_then(parse_number)
                        .and_then(|p| u16::try_from(p).ok());
                }
                "--min" => self.autoscale.min = self.flag_value(i).and_then(parse_number),
                "--max" => self.autoscale.max = self.flag_value(i).and_then(parse_number),
                "--cpu-percent" => {
                    self.autoscale.cpu_percent = self.flag_value(i).and_then(parse_number);
                }
                "--type" => {
                    self.service_type = self.flag_value(i).and_then(|value| {
                        SERVICE_TYPES
                            .iter()
                            .find(|known| known.eq_ignore_ascii_case(value))
                            .copied()
                    });
                }
                "--grace-period" => self.grace_period = self.flag_value(i).and_then(parse_number),
                "--minify" => self.minified = Some(true),
                "--query" => self.node_query = self.flag_value(i).map(str::to_owned),
                "--schedule" => self.schedule = self.flag_value(i).map(str::to_owned),
                // `kubectl create job NAME --from=cronjob/X` (kubectl takes
                // only a CronJob there).
                "--from" => {
                    self.from_cronjob = self
                        .flag_value(i)
                        .and_then(|value| value.split_once('/'))
                        .filter(|(kind, _)| {
                            matches!(
                                kind.to_ascii_lowercase().as_str(),
                                "cronjob" | "cronjobs" | "cj" | "cronjob.batch" | "cronjobs.batch"
                            )
                        })
                        .map(|(_, name)| owned(name));
                }
                "--from-literal" => {
                    if let Some(pair) = self.selector_value(i)
                        && let Some((key, value)) = pair.split_once('=')
                    {
                        self.literals.push((key.to_owned(), value.to_owned()));
                    }
                }
                "--all" => self.bulk = true,
                // `-nproduction`: kubectl's short flag with its value attached.
                short if short.len() > 2 && short.starts_with("-n") && !short.starts_with("--") => {
                    self.namespace = Some(owned(&token.raw[2..]));
                }
                "-f" | "--filename" | "-k" | "--kustomize" => {
                    let file = token.value.or_else(|| {
                        self.tokens
                            .get(i + 1)
                            .filter(|t| t.shape == Shape::Word && t.low.contains(['.', '/']))
                            .map(|t| t.raw)
                    });
                    if file.is_some() {
                        if token.value.is_none() {
                            self.use_token(i + 1);
                        }
                        self.file = true;
                    }
                }
                // `auth can-i list pods --as=system:serviceaccount:shop:checkout`:
                // the identity asked about, never the caller's own; a
                // ServiceAccount's namespace is where it is checked unless
                // `-n` says otherwise.
                "--as" => {
                    if let Some(identity) = self.flag_value(i) {
                        match identity
                            .strip_prefix("system:serviceaccount:")
                            .and_then(|account| account.split_once(':'))
                        {
                            Some((namespace, name)) => {
                                self.rbac_subject = Some(owned(name));
                                self.namespace.get_or_insert_with(|| owned(namespace));
                            }
                            None => self.rbac_subject = Some(owned(identity)),
                        }
                    }
                }
                "-o"
                | "--output"
                | "--sort-by"
                | "--since"
                | "--since-time"
                | "--timeout"
                | "--restart"
                | "--from-file"
                | "--from-env-file"
                | "--template"
                | "--revision"
                | "--to-revision"
                | "--limit-bytes"
                | "--pod-running-timeout"
                | "--as-group"
                | "--user"
                | "--kubeconfig"
                | "--request-timeout"
                | "--field-manager"
                | "--dry-run"
                | "--cascade"
                | "--overrides"
                | "--max-log-requests"
                | "--subresource"
                | "--chunk-size"
                | "--protocol"
                | "--name"
                | "--env"
                | "--requests"
                | "--limits"
                | "--serviceaccount" => {
                    let value = self.flag_value(i);
                    if token.low == "--name"
                        && let Some(v) = value
                    {
                        self.rbac_subject.get_or_insert_with(|| owned(v));
                        self.named_flag = Some(owned(v));
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the `-c` at `i` belongs to the command before it (`psql -c
    /// 'select 1'`, `bash -c "..."`) rather than naming kubectl's
    /// container: it follows a program that takes `-c`, or its value is
    /// quoted text with a space, which no container's name has.
    fn command_option(&self, i: usize) -> bool {
        let program = i.checked_sub(1).is_some_and(|p| {
            self.tokens[p].shape == Shape::Word
                && matches!(
                    self.tokens[p].low,
                    "sh" | "bash" | "ash" | "zsh" | "dash" | "psql" | "python" | "python3" | "su"
                )
        });
        let sentence = self.tokens[i].value.is_none()
            && self
                .tokens
                .get(i + 1)
                .is_some_and(|next| next.shape == Shape::Quoted && next.raw.contains(' '));
        let command_verb = self.has_w_anywhere(&[W::Change(Change::Exec), W::Change(Change::Run)]);
        command_verb && (program || sentence)
    }

    /// A selector value: `--selector=app=web`, `-l app=web`, `-l 'app in (a,b)'`.
    fn selector_value(&mut self, i: usize) -> Option<String> {
        let token = self.tokens[i];
        if let Some(value) = token.value {
            return Some(value.to_owned());
        }
        let next = self.tokens.get(i + 1)?;
        if self.used[i + 1] {
            return None;
        }
        if matches!(next.w(), Some(W::Change(_))) {
            return None;
        }
        match next.shape {
            Shape::Assign | Shape::Word | Shape::Quoted => {
                self.use_token(i + 1);
                Some(next.full.to_owned())
            }
            _ => None,
        }
    }

    /// `namespace=x`, `replicas=3`, `image=nginx`; other `key=value` words are
    /// label selectors ("pods with label app=web") or `container=image` pairs.
    fn scan_assignments(&mut self) {
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape != Shape::Assign || self.used[i] {
                continue;
            }
            let value = token.value.unwrap_or("");
            match token.low {
                "namespace" | "ns" => self.namespace = Some(owned(value)),
                "context" | "cluster" => self.context = Some(value.to_owned()),
                "replicas" | "scale" => {
                    self.replicas = parse_number(value);
                    self.replicas_after_to = true;
                }
                "image" => self.image = Some(value.to_owned()),
                "container" => self.container = Some(owned(value)),
                "tail" | "lines" => self.tail = parse_number(value),
                _ => continue,
            }
            self.use_token(i);
        }
    }

    /// "--context x" is done; here "on the prod-eu cluster", "context x",
    /// "in cluster x", "x context".
    fn scan_context_phrases(&mut self) {
        for i in 0..self.len() {
            if self.used[i] || !matches!(self.w(i), Some(W::Context | W::Cluster)) {
                continue;
            }
            let plural = self.low(i).ends_with('s');
            if let Some(j) = self.value_after(i)
                && !plural
                && self.tokens.get(j + 1).and_then(Token::kind).is_none()
            {
                self.context = Some(self.tokens[j].raw.to_owned());
                self.use_token(i);
                self.use_token(j);
            } else if i > 0
                && !plural
                && self.is_value(i - 1)
                && self.prev_meaningful(i - 1).is_none_or(|p| {
                    matches!(
                        self.w(p),
                        Some(
                            W::On
                                | W::In
                                | W::Of
                                | W::For
                                | W::From
                                | W::To
                                | W::Using
                                | W::Across
                                | W::Switch
                                | W::Be
                                | W::Question
                        )
                    ) || matches!(self.w(p), Some(W::Change(_)))
                })
            {
                self.context = Some(self.tokens[i - 1].raw.to_owned());
                self.use_token(i);
                self.use_token(i - 1);
            }
        }
    }

    /// "switch to staging-eu", "use context x", "kubectl config use-context x",
    /// "change the context to x", "kubectx x".
    fn scan_switch(&mut self) {
        for i in 0..self.len() {
            let w = self.w(i);
            let explicit = matches!(w, Some(W::UseContext));
            let switch_word = matches!(w, Some(W::Switch));
            // "go to the staging cluster", "work on the dev cluster from now
            // on": movement words opening the request, with a cluster named.
            let change_word = matches!(
                w,
                Some(W::Change(Change::Edit | Change::Set | Change::Other))
            ) || ((MOVEMENT_WORDS.contains(&self.low(i))
                || self.low(i) == "connect")
                && (0..i).all(|p| {
                    self.is_filler(p)
                        || self.is_w(p, W::To)
                        || matches!(self.low(p), "let's" | "lets" | "let" | "us")
                }));
            if !(explicit || switch_word || change_word) {
                continue;
            }
            // The words that follow up to the value: "to", "the", "context", "cluster", "over".
            let mut j = i + 1;
            let mut mentions_context =
                explicit || self.context.is_some() && self.used[i..].iter().any(|u| *u);
            let mut mentions_to = false;
            while j < self.len() {
                match self.w(j) {
                    Some(W::To | W::Filler | W::Polite | W::Into | W::On | W::Current) => {
                        mentions_to |= self.is_w(j, W::To);
                    }
                    Some(W::Context | W::Cluster | W::Kubectl) => mentions_context = true,
                    _ if self.low(j) == "over" => {}
                    _ => break,
                }
                j += 1;
            }
            let first_word = self.prev_meaningful(i).is_none();
            let context_named_here = self.context.is_some()
                && (mentions_context
                    || self.tokens[i + 1..]
                        .iter()
                        .any(|t| matches!(t.w(), Some(W::Context | W::Cluster))));
            let value_here = self.is_value(j);
            // "switch to the staging namespace": a namespace switch, not a context.
            if value_here
                && matches!(
                    self.tokens.get(j + 1).and_then(Token::kind),
                    Some((ResourceKind::Namespace, _))
                )
            {
                continue;
            }
            let is_switch = if explicit {
                true
            } else if switch_word {
                mentions_context
                    || context_named_here
                    || (value_here && (mentions_to || first_word))
            } else {
                // "change"/"set" only switch when a context or cluster is named.
                (mentions_context || context_named_here)
                    && (value_here || self.context.is_some())
                    && !self
                        .tokens
                        .iter()
                        .any(|t| matches!(t.w(), Some(W::Image | W::Replicas)))
            };
            if !is_switch {
                continue;
            }
            self.switch_context = true;
            self.use_token(i);
            if value_here && (self.context.is_none() || !context_named_here) {
                self.context = Some(self.tokens[j].raw.to_owned());
                self.use_token(j);
            }
            return;
        }
    }

    /// "pods in production and staging", "deployments in production,
    /// staging and batch": several namespaces, which no one call reads. A
    /// read spans every namespace (each row names its namespace), never
    /// the first one alone; a change asks which namespace first.
    fn scan_several_namespaces(&mut self) {
        for i in 0..self.len() {
            if !self.is_w(i, W::In) || self.namespace.is_some() {
                continue;
            }
            let mut j = i + 1;
            if matches!(
                self.tokens.get(j).and_then(Token::kind),
                Some((ResourceKind::Namespace, Number::Plural))
            ) {
                j += 1;
            }
            let start = j;
            let mut values = 0;
            let mut joined = false;
            while j < self.len() {
                if self.is_value(j) && parse_number(self.low(j)).is_none() {
                    values += 1;
                } else if self.low(j) == "and" && values > 0 && self.is_value(j + 1) {
                    joined = true;
                } else {
                    break;
                }
                j += 1;
            }
            // The list ends the request ("... and batch -o wide", "... and
            // batch please"); "in staging and decode the password" is a
            // second clause, not a second namespace.
            let ends = self.tokens.get(j).is_none_or(|next| {
                matches!(next.shape, Shape::Flag) || matches!(next.w(), Some(W::Polite))
            });
            if values >= 2 && joined && ends {
                for k in start..j {
                    self.use_token(k);
                }
                self.use_token(i);
                self.all_namespaces = true;
                self.several_namespaces = true;
                return;
            }
        }
    }

    /// "in namespace x", "in the x namespace", "-n" is done, "across all
    /// namespaces", "ns x" next to another kind.
    fn scan_namespace_phrases(&mut self) {
        let other_kind = self
            .tokens
            .iter()
            .any(|t| matches!(t.kind(), Some((kind, _)) if kind != ResourceKind::Namespace))
            || self.tokens.iter().any(|t| {
                matches!(
                    t.w(),
                    Some(
                        W::Logs
                            | W::Top
                            | W::Usage
                            | W::Health
                            | W::Wrong
                            | W::Troubleshoot
                            | W::Pressure
                            | W::Rbac
                            | W::Who
                            | W::Debug
                            | W::Running
                            | W::Pending
                            | W::Warning
                            | W::Happened
                    )
                )
            });
        for i in 0..self.len() {
            if self.used[i] {
                continue;
            }
            let Some((ResourceKind::Namespace, number)) = self.tokens[i].kind() else {
                continue;
            };
            if let Some(value) = self.tokens[i].value {
                // "pods that live in ns/payments": the namespace of another kind.
                if other_kind && self.namespace.is_none() {
                    self.namespace = Some(owned(value));
                    self.use_token(i);
                }
                continue;
            }
            let prev = self.prev_meaningful(i);
            let prev_w = prev.and_then(|p| self.w(p));
            let after_prep = matches!(
                prev_w,
                Some(
                    W::In | W::From | W::Of | W::For | W::Across | W::Into | W::To | W::On | W::All
                )
            );
            // ("restart coredns in all namespaces": a change spans them too.)
            if number == Number::Plural
                && (other_kind
                    || self
                        .tokens
                        .iter()
                        .any(|t| matches!(t.w(), Some(W::Change(_)))))
                && matches!(prev_w, Some(W::All | W::Across))
            {
                self.all_namespaces = true;
                self.use_token(i);
                if let Some(p) = prev {
                    self.use_token(p);
                }
                continue;
            }
            // "which namespace uses the most memory": the namespace is
            // what is asked about, not named.
            if i > 0 && matches!(self.tokens[i - 1].low, "which" | "what") {
                continue;
            }
            // ("does the prod namespace have pods": a kind word after it,
            // with a name before it, is what the namespace holds.)
            if let Some(j) = self.explicit_value_after(i)
                && (after_prep || other_kind)
                && !(self.tokens[j].kind().is_some() && prev.is_some_and(|p| self.is_value(p)))
            {
                self.namespace = Some(owned(self.tokens[j].raw));
                self.use_token(i);
                self.use_token(j);
                continue;
            }
            if let Some(p) = prev
                && self.is_value(p)
                && (other_kind
                    || self.prev_meaningful(p).is_some_and(|q| {
                        matches!(
                            self.w(q),
                            Some(
                                W::In
                                    | W::From
                                    | W::Of
                                    | W::For
                                    | W::Across
                                    | W::Into
                                    | W::To
                                    | W::On
                            )
                        )
                    }))
            {
                self.namespace = Some(owned(self.tokens[p].raw));
                self.use_token(i);
                self.use_token(p);
                continue;
            }
            if after_prep && other_kind {
                // "in every namespace", "across namespaces".
                self.all_namespaces |= matches!(prev_w, Some(W::All | W::Across));
                self.use_token(i);
            }
        }
        // "pods in jobs", "list pods in argocd": a vocabulary word closing the
        // request after "in" is a namespace when something else is asked about.
        if self.namespace.is_none()
            && let Some(last) = (0..self.len()).rev().find(|&i| !self.is_filler(i))
            && last > 1
            && matches!(self.w(last - 1), Some(W::In | W::From))
            && !self.used[last]
            && is_name_shaped(self.tokens[last].low)
            && (matches!(
                self.tokens[last].kind(),
                Some((_, Number::Plural | Number::Short))
            ) || matches!(
                self.w(last),
                Some(
                    W::Argo
                        | W::Helm
                        | W::Observability
                        | W::Release
                        | W::Read
                        | W::Logs
                        | W::Config
                        | W::Network
                        | W::Audit
                )
            ))
            // ("previous logs of worker-0 in jobs", "restart worker in
            // jobs": an object named, or its logs; "in argo" after a name
            // is Argo's.)
            && (0..last - 1).any(|j| {
                self.tokens[j].kind().is_some()
                    || matches!(
                        self.w(j),
                        Some(W::Running | W::Wrong | W::Top | W::Usage | W::Logs)
                    )
                    || (self.is_value(j)
                        && (self.tokens[last].kind().is_some()
                            || matches!(
                                self.w(last),
                                Some(W::Logs | W::Config | W::Network | W::Audit | W::Read)
                            )))
            })
        {
            self.namespace = Some(owned(self.tokens[last].raw));
            self.use_token(last);
            self.use_token(last - 1);
        }
        // "across all", "in all namespaces" written without the kind word: "everywhere".
        for i in 0..self.len() {
            if !self.used[i] && self.is_w(i, W::Across) && self.is_w(i + 1, W::All) {
                self.all_namespaces = true;
                self.use_token(i);
                self.use_token(i + 1);
            }
        }
    }

    /// "container x", "the x container", "-c" is done.
    fn scan_container_phrases(&mut self) {
        for i in 0..self.len() {
            if self.used[i] || !self.is_w(i, W::Container) || self.low(i).ends_with('s') {
                continue;
            }
            let app = (self.low(i + 1) == "app").then_some(i + 1);
            if let Some(j) = self.value_after(i).or(app) {
                self.container = Some(owned(self.tokens[j].raw));
                self.use_token(i);
                self.use_token(j);
            } else {
                // "the migrate init container": the name before "init".
                let init = usize::from(i > 2 && self.low(i - 1) == "init");
                let at = i - init;
                if at > 1
                    && (self.is_value(at - 1) || self.low(at - 1) == "app")
                    && matches!(
                        self.w(at - 2),
                        Some(W::Filler | W::In | W::From | W::Of | W::For | W::Into)
                    )
                {
                    self.container = Some(owned(self.tokens[at - 1].raw));
                    self.use_token(i);
                    self.use_token(at - 1);
                    if init == 1 {
                        self.use_token(i - 1);
                    }
                } else if i > 0 && self.low(i - 1) == "init" {
                    // "the init container of web-1": no container's name.
                    self.use_token(i - 1);
                }
            }
        }
    }

    /// Numbers: replica counts ("to 3", "3 replicas"), line counts ("last 50
    /// lines", "tail 20"), ports ("port 8080").
    fn scan_numbers(&mut self) {
        for i in 0..self.len() {
            if self.used[i] {
                continue;
            }
            let token = self.tokens[i];
            let value = match token.lex {
                Lex::W(W::Number(n)) => n,
                Lex::Unknown if token.shape == Shape::Word => match parse_number(token.low) {
                    Some(n) => n,
                    // `tail -50`: the line count in tail's own syntax.
                    None => match token.low.strip_prefix('-').and_then(parse_number) {
                        Some(n) if i > 0 && self.is_w(i - 1, W::Tail) => n,
                        _ => continue,
                    },
                },
                _ => continue,
            };
            let prev = i.checked_sub(1).and_then(|p| self.w(p));
            let next = self.w(i + 1);
            let prev2 = i.checked_sub(2).and_then(|p| self.w(p));
            if matches!(next, Some(W::Hour)) || matches!(prev, Some(W::Top | W::Most)) {
                // "top 5 pods by cpu": how many rows, never a replica count.
                // "in the last 10 minutes": a time window, not a count (of
                // lines either: "logs from the last 10 minutes").
            } else if matches!(next, Some(W::Lines)) || matches!(prev, Some(W::Last | W::Tail)) {
                self.tail = Some(value);
            } else if matches!(prev, Some(W::Port)) {
                self.port = u16::try_from(value).ok();
            } else if matches!(prev, Some(W::By)) {
                // "scale up by 2 (replicas)": relative, resolved (or asked) by the mutation rules.
                self.relative_marker();
                continue;
            } else if matches!(next, Some(W::Replicas))
                || matches!(prev, Some(W::Replicas | W::To))
                || (matches!(prev, Some(W::Filler)) && matches!(prev2, Some(W::To)))
                || matches!(
                    self.tokens.get(i + 1).and_then(Token::kind),
                    Some((ResourceKind::Pod, Number::Plural))
                )
                || self.replicas.is_none() && matches!(prev, Some(W::Change(Change::Scale)))
                || self.replicas.is_none() && self.count_after_scaled_name(i)
            {
                if self.replicas.is_none() {
                    self.replicas = Some(value);
                    self.replicas_after_to = matches!(prev, Some(W::To))
                        || (matches!(prev, Some(W::Filler)) && matches!(prev2, Some(W::To)));
                }
            } else {
                continue;
            }
            self.use_token(i);
        }
    }

    /// "scale api-gateway 3", "scale deploy web 5": a bare count right after
    /// the name that follows "scale" (and its kind) is the target.
    fn count_after_scaled_name(&self, i: usize) -> bool {
        let Some(name_at) = i.checked_sub(1) else {
            return false;
        };
        let name = self.tokens[name_at];
        // `scale deploy/web 3`: the kind and its name in one word.
        if name.value.is_some() && name.kind().is_some() {
            return name_at
                .checked_sub(1)
                .is_some_and(|b| self.is_w(b, W::Change(Change::Scale)));
        }
        if name.lex != Lex::Unknown || name.shape != Shape::Word || !is_name_shaped(name.low) {
            return false;
        }
        let mut before = name_at.checked_sub(1);
        if let Some(b) = before
            && self.tokens[b].kind().is_some()
        {
            before = b.checked_sub(1);
        }
        before.is_some_and(|b| self.is_w(b, W::Change(Change::Scale)))
    }

    /// A relative replica change ("by 2") cannot be made exact without reading
    /// the cluster: it is recorded as a bulk-like uncertainty.
    fn relative_marker(&mut self) {
        self.replicas = None;
        self.bulk = true;
    }

    /// "who can delete pods", "what can sa x do", "kubectl auth can-i ...",
    /// "is x allowed to ...", "rbac", "permissions".
    fn scan_rbac(&mut self) {
        // "which clusters can I access": the kubeconfig's contexts, not RBAC.
        let asks_for_clusters = (1..self.len()).any(|i| {
            matches!(self.low(i), "clusters" | "contexts") && self.is_w(i - 1, W::Question)
        });
        if asks_for_clusters {
            return;
        }
        for i in 0..self.len() {
            let w = self.w(i);
            let marker = match w {
                Some(W::Who) => {
                    matches!(
                        self.w(i + 1),
                        Some(W::Can | W::Be | W::Do) | Some(W::Filler)
                    ) || self.low(i + 1) == "has"
                }
                Some(W::Can) => {
                    let next = self.low(i + 1);
                    let polite = matches!(next, "you" | "u" | "ya" | "we");
                    // "can i see the logs of x", "can i get the events": a
                    // polite request for a read, not a question about rights.
                    let polite_read = next == "i"
                        && (matches!(
                            self.low(i + 2),
                            "see" | "view" | "have" | "look" | "check" | "grab" | "peek" | "read"
                        ) || (self.low(i + 2) == "get" && self.is_w(i + 3, W::Filler)));
                    // "why can't I schedule pods": the scheduler's failure, not a right.
                    let scheduling = matches!(self.low(i + 2), "schedule" | "pull" | "mount");
                    let self_question = self.low(i) == "can-i"
                        || (next == "i"
                            && !polite_read
                            && !scheduling
                            && matches!(
                                self.w(i + 2),
                                Some(
                                    W::Change(_)
                                        | W::Read
                                        | W::Describe
                                        | W::Logs
                                        | W::Top
                                        | W::Watch
                                )
                            ));
                    // "can sa x list secrets", "what can x do", "can i delete pods".
                    !polite
                        && (self_question
                            || self.tokens[i + 1..].iter().take(4).any(|t| {
                                matches!(
                                    t.kind(),
                                    Some((
                                        ResourceKind::ServiceAccount
                                            | ResourceKind::Role
                                            | ResourceKind::ClusterRole,
                                        _
                                    ))
                                ) || t.low == "user"
                                    || t.low == "group"
                            })
                            || (i > 0 && self.is_w(i - 1, W::Question))
                            // "can ci-bot create deployments in shop": a
                            // named subject's right to act on a kind.
                            || (self.prev_meaningful(i).is_none()
                                && self.is_value(i + 1)
                                && matches!(
                                    self.w(i + 2),
                                    Some(W::Change(_) | W::Read | W::Describe | W::Logs | W::Watch)
                                )
                                && self.tokens[i + 3..]
                                    .iter()
                                    .take(2)
                                    .any(|t| t.kind().is_some()))
                            // "which service accounts can read secrets".
                            || (i > 0
                                && (matches!(
                                    self.tokens[i - 1].kind(),
                                    Some((ResourceKind::ServiceAccount, _))
                                ) || matches!(self.low(i - 1), "users" | "groups" | "accounts"))))
                }
                // "do pods have internet access": a way out, not a right;
                // "how much memory is checkout allowed": a limit.
                Some(W::Rbac) => {
                    !(self.low(i) == "access"
                        && i > 0
                        && (EGRESS_WORDS.contains(&self.low(i - 1))
                            || matches!(self.low(i - 1), "network" | "outbound")))
                        && !(self.low(i) == "allowed" && self.says("much"))
                }
                Some(W::Audit) => true,
                // "everyone bound to cluster-admin", "which accounts have
                // cluster-admin": who holds a role.
                _ if self.low(i) == "bound" && self.is_w(i + 1, W::To) => true,
                _ => {
                    (self.low(i) == "cluster-admin"
                        && i > 0
                        && matches!(self.low(i - 1), "have" | "has" | "with" | "to"))
                        // "does alice have admin in billing": a right held.
                        || (matches!(
                            self.low(i),
                            "admin" | "access" | "permission" | "permissions" | "rights"
                        ) && i >= 2
                            && matches!(self.low(i - 1), "have" | "has")
                            && self.is_value(i - 2))
                }
            };
            if !marker {
                continue;
            }
            self.rbac = true;
            // "can ci-bot create ...", "does alice have admin": the subject
            // asked about, named right after "can" or before "have".
            let named_subject = if self.is_w(i, W::Can)
                && self.is_value(i + 1)
                && !matches!(self.low(i + 1), "user" | "group")
            {
                Some(i + 1)
            } else if i >= 2 && matches!(self.low(i - 1), "have" | "has") {
                Some(i - 2).filter(|&k| self.is_value(k))
            } else {
                None
            };
            if let Some(k) = named_subject
                && self.tokens.get(k + 1).is_none_or(|t| t.kind().is_none())
            {
                self.rbac_subject = Some(owned(self.tokens[k].raw));
                self.use_token(k);
                return;
            }
            // Subjects: "serviceaccount x", "sa x", "user x", "group x".
            for j in i.saturating_sub(6)..self.len() {
                // Singular: "which service accounts have x" names no subject.
                let subject_word = matches!(
                    self.tokens[j].kind(),
                    Some((
                        ResourceKind::ServiceAccount,
                        Number::Singular | Number::Short
                    ))
                ) || matches!(self.low(j), "user" | "group");
                if subject_word && let Some(k) = self.value_after(j) {
                    self.rbac_subject = Some(owned(self.tokens[k].raw));
                    self.use_token(k);
                    self.use_token(j);
                    break;
                }
                if let Some(value) = self.tokens[j].value.filter(|_| subject_word) {
                    self.rbac_subject = Some(owned(value));
                    self.use_token(j);
                    break;
                }
                // "the default service account", "the builder sa".
                if subject_word && j > 0 && self.is_value(j - 1) {
                    self.rbac_subject = Some(owned(self.tokens[j - 1].raw));
                    self.use_token(j - 1);
                    self.use_token(j);
                    break;
                }
            }
            return;
        }
    }

    /// Change verbs that are live (asked for), not hypothetical ("who can
    /// delete", "why did it restart") and not nouns ("with label app=web").
    fn scan_changes(&mut self) {
        let rbac_from = if self.rbac {
            (0..self.len())
                .find(|&i| matches!(self.w(i), Some(W::Who | W::Can | W::Rbac | W::Audit)))
        } else {
            None
        };
        let why_from = (0..self.len()).find(|&i| self.is_w(i, W::Why));
        let mut segment_break = 0;
        for i in 0..self.len() {
            let token = self.tokens[i];
            if matches!(token.shape, Shape::Chain | Shape::Pipe) {
                segment_break = i;
            }
            if self.used[i] || token.shape != Shape::Word {
                continue;
            }
            let change = match token.lex {
                Lex::W(W::Change(change)) => change,
                // "deploy" is both a kind (`get deploy`) and a verb ("deploy nginx").
                Lex::Kind(ResourceKind::Deployment, _)
                    if token.low == "deploy" && token.value.is_none() && self.deploy_is_verb(i) =>
                {
                    Change::Deploy
                }
                _ => continue,
            };
            // "roll back checkout": `kubectl rollout undo`, never a restart of "back".
            // "roll it back", "roll checkout back": the particle after the object.
            let back_at = if self.low(i + 1) == "back" {
                Some(i + 1)
            } else if self.low(i + 2) == "back"
                && self
                    .tokens
                    .get(i + 1)
                    .is_some_and(|t| t.w().is_none_or(|w| w == W::Filler))
            {
                Some(i + 2)
            } else {
                None
            };
            let change = if change == Change::Rollout
                && let Some(back_at) = back_at
            {
                self.use_token(back_at);
                Change::Rollback
            } else {
                change
            };
            if rbac_from.is_some_and(|r| r < i && r >= segment_break) {
                continue;
            }
            // "what's the status of the rollout of api", "did the restart of
            // web finish": a question about a change, answered by a read.
            if self.is_progress_question(i, change) {
                self.rollout_read = true;
                self.use_token(i);
                continue;
            }
            if self.is_noun_use(i, change) || self.is_troubled_rollout(i, change) {
                if change == Change::Label
                    && self.label_selector.is_none()
                    && let Some(key) = self.held_label_key(i)
                {
                    self.label_selector = Some(owned(self.tokens[key].raw));
                    self.use_token(key);
                    self.use_token(i);
                }
                continue;
            }
            if self.is_exposure_question(i, change) {
                self.use_token(i);
                continue;
            }
            if let Some(why) = why_from
                && why < i
                && why >= segment_break
                && (i.checked_sub(1).is_some_and(|p| {
                    matches!(
                        self.w(p),
                        Some(W::Do | W::Be | W::Restarts | W::Not | W::Filler | W::Question)
                    )
                }) || self.tokens[why..i]
                    .iter()
                    .any(|t| matches!(t.w(), Some(W::Do | W::Can | W::Not))))
            {
                continue;
            }
            if change == Change::Rollout && matches!(self.low(i + 1), "status" | "history") {
                self.rollout_read = true;
                self.use_token(i);
                continue;
            }
            // "my pod won't start", "fails to run": a symptom, not a request.
            if matches!(change, Change::Start | Change::Run)
                && i > 0
                && (matches!(self.w(i - 1), Some(W::Not | W::Do | W::Can))
                    || (self.is_w(i - 1, W::To)
                        && i > 1
                        && matches!(self.w(i - 2), Some(W::Wrong | W::Not))))
            {
                continue;
            }
            // "which pods run on node-1", "where does api-0 run?": a question
            // about placement, not a pod to start.
            if change == Change::Run && self.asks_where_something_runs(i) {
                continue;
            }
            // "run a health check": a check, not a pod.
            if change == Change::Run
                && self.tokens[i + 1..]
                    .iter()
                    .take(3)
                    .any(|t| matches!(t.w(), Some(W::Health)))
            {
                continue;
            }
            // "after the helm upgrade", "since the argocd sync": context, not a request.
            if let Some(after) = (segment_break..i).rev().find(|&a| self.is_w(a, W::After))
                && self.tokens[after..].iter().any(|t| {
                    matches!(
                        t.w(),
                        Some(
                            W::Helm
                                | W::Release
                                | W::Argo
                                | W::Sync
                                | W::Promote
                                | W::Observability
                        )
                    )
                })
                && !self.tokens[after..i]
                    .iter()
                    .any(|t| matches!(t.w(), Some(W::And | W::Then)))
            {
                continue;
            }
            // "create a job migrate": after another verb and a kind, a name.
            if change == Change::Other
                && !self.changes.is_empty()
                && i > 0
                && matches!(
                    self.tokens[i - 1].kind(),
                    Some((_, Number::Singular | Number::Short))
                )
            {
                continue;
            }
            // "when did checkout restart (in prod)": a time asked about a
            // change made, never one to make: the verb ends the question.
            // ("how often does checkout restart", "how many times did web
            // restart": a count of them, asked.)
            let asked_at = (0..self.len()).find(|&f| !self.is_filler(f)).and_then(|f| {
                match (self.low(f), self.low(f + 1), self.low(f + 2)) {
                    ("when", _, _) => Some(f + 1),
                    ("how", "often", _) => Some(f + 2),
                    ("how", "many", "times") => Some(f + 3),
                    _ => None,
                }
            });
            if asked_at.is_some_and(|d| {
                (self.is_w(d, W::Do) || matches!(self.low(d), "has" | "have"))
                    && d + 2 == i
                    && self.is_value(d + 1)
            }) && self.next_meaningful(i).is_none_or(|n| {
                self.is_w(n, W::In)
                    && self
                        .value_after(n)
                        .is_some_and(|v| self.next_meaningful(v).is_none())
            }) {
                continue;
            }
            // "did someone delete pod web-1", "did anyone restart checkout":
            // a change made by someone, asked about, never one to make (the
            // object's read answers it).
            if i >= 2
                && matches!(self.low(i - 2), "did" | "didnt" | "didn't")
                && matches!(
                    self.low(i - 1),
                    "someone" | "somebody" | "anyone" | "anybody" | "you" | "they" | "we" | "i"
                )
                && (0..i - 2).all(|f| self.is_filler(f))
            {
                continue;
            }
            // "which configmap does cart mount": what an object mounts is
            // asked, never a mount to make.
            if token.low == "mount"
                && (0..i).any(|d| self.is_w(d, W::Do))
                && (0..self.len())
                    .find(|&f| !self.is_filler(f))
                    .is_some_and(|f| self.is_w(f, W::Question))
            {
                continue;
            }
            // "describe clusterrole edit": the built-in roles are named after verbs.
            if token.low == "edit"
                && i > 0
                && matches!(
                    self.tokens[i - 1].kind(),
                    Some((
                        ResourceKind::ClusterRole | ResourceKind::Role,
                        Number::Singular
                    ))
                )
                && self
                    .tokens
                    .get(i + 1)
                    .is_none_or(|t| t.shape == Shape::Flag || t.w() == Some(W::In))
            {
                continue;
            }
            self.changes.push((i, change));
        }
    }

    /// Whether the change word at `i` names a change the request asks about
    /// rather than asks for: a noun after a determiner ("the rollout", "its
    /// restart"), followed by its complement, in a question ("what's the status of...", "did... finish",
    /// "is... done"). All three conditions, so "do the restart of api" stays a change.
    fn is_progress_question(&self, i: usize, change: Change) -> bool {
        if !matches!(
            change,
            Change::Rollout | Change::Restart | Change::Scale | Change::Update | Change::Rollback
        ) {
            return false;
        }
        let is_determiner = |p: usize| {
            matches!(
                self.low(p),
                "the" | "its" | "this" | "that" | "last" | "latest" | "recent" | "my" | "our"
            )
        };
        // "the rollout", and "the web rollout" (a name between).
        let determiner = self.determiner_before_noun(i, is_determiner);
        // A noun is followed by its complement or the question's verb, or ends it.
        let noun_follows = self.tokens.get(i + 1).is_none_or(|next| {
            // "the rollout status" is kubectl's own phrase; "the restart
            // status" stays a change (the safety property inserts verbs so).
            (change == Change::Rollout && matches!(next.low, "status" | "history" | "progress"))
                || matches!(
                    next.low,
                    "of" | "for"
                        | "is"
                        | "was"
                        | "has"
                        | "did"
                        | "done"
                        | "finished"
                        | "finish"
                        | "complete"
                        | "succeed"
                        | "fail"
                        | "going"
                        | "went"
                )
        });
        // "what's the status of the cart rollout in shop": a rollout's
        // status asked, the namespace after it.
        let status_in = change == Change::Rollout
            && self.has_w_anywhere(&[W::Status])
            && self
                .tokens
                .get(i + 1)
                .is_some_and(|next| matches!(next.w(), Some(W::In | W::On)));
        if !determiner || !(noun_follows || status_in) {
            return false;
        }
        // With a name between ("the web rollout"), the name is the object:
        // no complement follows ("the url restart of the shop ingress"
        // orders a restart), and a participle is no name ("when was
        // checkout last deployed restart").
        if i > 0
            && self.is_value(i - 1)
            && (is_participle(self.low(i - 1))
                || self
                    .tokens
                    .get(i + 1)
                    .is_some_and(|next| matches!(next.low, "of" | "for")))
        {
            return false;
        }
        let first = (0..self.len()).find(|&j| !self.is_filler(j));
        let opens_a_question = first.is_some_and(|f| {
            matches!(
                self.w(f),
                Some(W::Question | W::Status | W::Describe | W::Watch)
            ) || matches!(
                self.low(f),
                "is" | "was" | "are" | "were" | "did" | "does" | "has" | "when"
            )
        });
        let asks_progress = self.has_w_anywhere(&[W::Status])
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "history" | "progress" | "done" | "finished"));
        opens_a_question || asks_progress
    }

    /// Whether the word at `i` is a noun after a determiner: "the rollout",
    /// "the web rollout" (a name between), "the new checkout rollout" (an
    /// adjective too).
    fn determiner_before_noun(&self, i: usize, is_determiner: impl Fn(usize) -> bool) -> bool {
        let mut p = i;
        let mut name_seen = false;
        while p > 0 {
            p -= 1;
            if is_determiner(p) {
                return true;
            }
            let adjective = matches!(
                self.low(p),
                "new" | "latest" | "current" | "last" | "recent" | "ongoing" | "pending"
            );
            if self.is_value(p) && !name_seen {
                name_seen = true;
            } else if !adjective {
                return false;
            }
        }
        false
    }

    /// "why is the storefront rollout stuck", "the rollout of web is
    /// stuck": a rollout as a noun (after a determiner, with or without
    /// the workload's name between) in a request about trouble, a symptom
    /// for the pod playbook. Only "rollout": an order with a trouble word
    /// ("restart the stuck pod") stays a change.
    fn is_troubled_rollout(&self, i: usize, change: Change) -> bool {
        if change != Change::Rollout {
            return false;
        }
        let is_determiner = |p: usize| matches!(self.low(p), "the" | "its" | "my" | "our" | "this");
        let determiner = self.determiner_before_noun(i, is_determiner);
        let trouble = self.has_w_anywhere(&[W::Why, W::Wrong, W::Pending])
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "hung" | "hanging" | "stalled"));
        determiner && trouble
    }

    /// Whether "run" at `i` asks where something runs ("which pods run on
    /// node-1", "where does api-0 run?", "what node does web-1 run on"): the
    /// request opens with a question word or "does", and "run" ends it or is
    /// followed by "on"/"in". An order ("run busybox on node-1") opens with
    /// its verb, and "how do I run a pod" has an object after "run".
    fn asks_where_something_runs(&self, i: usize) -> bool {
        let opener = (0..i).find(|&j| !self.is_filler(j));
        // "how do I run a pod on node-1" asks for instructions: no read answers it.
        let question = opener.is_some_and(|f| {
            matches!(self.w(f), Some(W::Question | W::Do))
                && !(self.low(f) == "how" && matches!(self.w(f + 1), Some(W::Do | W::Can)))
        });
        question
            && self
                .next_meaningful(i)
                .is_none_or(|n| matches!(self.w(n), Some(W::On | W::In)) || self.low(n) == "next")
    }

    /// Whether "deploy" at `i` is the verb: no verb before it, no slash form.
    fn deploy_is_verb(&self, i: usize) -> bool {
        let verb_before = self.tokens[..i].iter().any(|t| {
            matches!(
                t.w(),
                Some(
                    W::Read
                        | W::Describe
                        | W::Change(_)
                        | W::Logs
                        | W::Top
                        | W::Watch
                        | W::Count
                        | W::Question
                        | W::Be
                        | W::Do
                )
            ) || t.kind().is_some()
        });
        let prev = self.prev_meaningful(i);
        let determiner_before =
            i > 0 && matches!(self.low(i - 1), "the" | "my" | "this" | "that" | "a");
        !verb_before
            && !determiner_before
            && prev.is_none_or(|p| !matches!(self.w(p), Some(W::Of | W::For | W::In)))
    }

    /// Words that are verbs or nouns by position: "label" in "with label
    /// app=web", "run" in "the last run", "update" in "rolling update".
    fn is_noun_use(&self, i: usize, change: Change) -> bool {
        // Each exception is narrow on purpose: a change verb taken for a noun
        // would let a change through as a read.
        let prev = i.checked_sub(1).map_or("", |p| self.low(p));
        let next = self.tokens.get(i + 1);
        let next_low = next.map_or("", |t| t.low);
        let selector_follows = next.is_some_and(|t| t.shape == Shape::Assign);
        match change {
            // "pods with label app=web", "matching label tier=db".
            // "sorted by label": only with a selector or at the end ("sorted
            // by label restarts" may hide a verb).
            Change::Label => {
                // A label key or selector follows ("with label team"), not
                // a sentence ("what's up with label the pods").
                // (A bare number is a count, never a key: "with label 0 ready".)
                let key_follows = selector_follows
                    || next.is_some_and(|t| {
                        (t.lex == Lex::Unknown && parse_number(t.low).is_none())
                            || t.shape == Shape::Quoted
                    });
                let label_held = self.held_label_key(i).is_some();
                (matches!(prev, "with" | "matching" | "having" | "whose") && key_follows)
                    || (matches!(prev, "the" | "by") && selector_follows)
                    || (prev == "by" && next.is_none())
                    || label_held
            }
            // "the last run of cronjob x", "a dry run".
            Change::Run => {
                matches!(prev, "last" | "previous" | "latest" | "dry") && next_low != "a"
            }
            Change::Update => prev == "rolling",
            Change::Start => matches!(next_low, "time" | "times"),
            // "the restart count of pod x", "its restart policy".
            // ("restart count of checkout pods": the noun opening the request.)
            Change::Restart => {
                matches!(next_low, "count" | "counts" | "policy")
                    && (matches!(prev, "the" | "its" | "container" | "pod")
                        || (i == 0 && self.low(i + 2) == "of"))
            }
            Change::Rollout => next_low == "history",
            // "the schedule of cronjob x", "its schedule".
            Change::Other => {
                self.low(i) == "schedule"
                    && matches!(prev, "the" | "its" | "cron")
                    && (next.is_none() || matches!(next_low, "of" | "for" | "in"))
            }
            // "what is LOG_LEVEL set to in configmap x", "what's the
            // limit set to": a question about a setting, with no new value.
            Change::Set => {
                let opener = (0..i)
                    .find(|&j| !self.is_filler(j))
                    .map_or("", |j| self.low(j));
                let after_to = self.tokens.get(i + 2);
                matches!(opener, "what" | "what's" | "whats" | "which")
                    && next_low == "to"
                    && after_to.is_none_or(|t| {
                        t.shape == Shape::Flag || matches!(t.w(), Some(W::In | W::On))
                    })
            }
            // "the current scale of web", "the scale of web".
            Change::Scale => {
                (prev == "current" && matches!(next_low, "of" | "for"))
                    || (matches!(prev, "the" | "its") && next_low == "of")
            }
            _ => false,
        }
    }

    /// "which nodes have the gpu label", "which pods have the team label
    /// in shop": a question about a label held, whose key (between "the"
    /// and the noun at `i`) selects what holds it (`-l gpu`).
    fn held_label_key(&self, i: usize) -> Option<usize> {
        let key = i.checked_sub(1)?;
        (key >= 1
            && self.low(key - 1) == "the"
            && self.is_value(key)
            && (0..key - 1).any(|j| matches!(self.low(j), "have" | "has"))
            && (0..self.len())
                .find(|&j| !self.is_filler(j))
                .is_some_and(|first| self.is_w(first, W::Question))
            && self.tokens.get(i + 1).is_none_or(|t| t.w() == Some(W::In)))
        .then_some(key)
    }

    /// "what ports does the checkout service expose (in production)": a
    /// question about the ports an object has, answered by reading it.
    /// Narrow on purpose: it opens with "what"/"which", asks about ports
    /// before the verb, the verb follows its subject (a kind or a name) and
    /// ends the request (but for where), and no port number, flag or
    /// assignment is given (which an `expose` change would carry).
    fn is_exposure_question(&self, i: usize, change: Change) -> bool {
        // (A namespace's name, "... on in shop expose", is no subject.)
        let subject_before = i.checked_sub(1).is_some_and(|before| {
            self.tokens[before].kind().is_some()
                || (self.is_value(before)
                    && self
                        .prev_meaningful(before)
                        .is_none_or(|p| !matches!(self.w(p), Some(W::In | W::On))))
        });
        let ends_here = self
            .tokens
            .get(i + 1)
            .is_none_or(|next| matches!(next.w(), Some(W::In | W::On)));
        change == Change::Expose
            // Only one "expose" is the question's verb.
            && !(0..i).any(|at| self.tokens[at].lex == Lex::W(W::Change(Change::Expose)))
            && subject_before
            && ends_here
            && (0..self.len())
                .find(|&at| !self.is_filler(at))
                .is_some_and(|first| matches!(self.low(first), "what" | "which"))
            && (0..i).any(|at| self.is_w(at, W::Port))
            && self.tokens.iter().all(|token| {
                !matches!(token.shape, Shape::Flag | Shape::Assign)
                    && !token.low.bytes().all(|byte| byte.is_ascii_digit())
            })
    }

    /// Image words: "image nginx", "with nginx:1.27", "using the busybox image".
    fn scan_images(&mut self) {
        if self.image.is_some() {
            return;
        }
        for i in 0..self.len() {
            if self.used[i] {
                continue;
            }
            let token = self.tokens[i];
            if self.is_w(i, W::Image) && !self.low(i).ends_with('s') {
                if let Some(j) = self.next_meaningful(i)
                    && !self.used[j]
                    && matches!(self.tokens[j].shape, Shape::Word | Shape::Quoted)
                    && (self.tokens[j].lex == Lex::Unknown
                        || self.is_w(j, W::Busybox)
                        || self.is_w(j, W::Network))
                {
                    self.image = Some(self.image_text(j));
                    self.use_token(i);
                    self.use_token(j);
                    return;
                }
                // "update the api image to nginx:1.27": the word before
                // "image" is the workload when the image follows "to".
                let image_follows = self.next_meaningful(i).is_some_and(|j| self.is_w(j, W::To));
                if i > 0
                    && !image_follows
                    && !self.used[i - 1]
                    && self.tokens[i - 1].shape == Shape::Word
                    && (self.tokens[i - 1].lex == Lex::Unknown || self.is_w(i - 1, W::Busybox))
                {
                    self.image = Some(self.image_text(i - 1));
                    self.use_token(i);
                    self.use_token(i - 1);
                    return;
                }
            }
            // "curl against checkout:8080", "reach postgres:5432": a host to test.
            if token.shape == Shape::Word
                && token.lex == Lex::Unknown
                && is_image_shaped(token.low)
                && !(self.host_and_port(i).is_some()
                    && self.tokens.iter().any(|t| is_network_test_word(t.low)))
                // "curl localhost:8080/health": the URL a test fetches.
                && !(i > 0
                    && matches!(
                        self.low(i - 1),
                        "curl" | "wget" | "nc" | "ping" | "telnet" | "against"
                    ))
            {
                self.image = Some(token.raw.to_owned());
                self.use_token(i);
                return;
            }
        }
    }

    fn image_text(&self, i: usize) -> String {
        let token = self.tokens[i];
        if self.is_w(i, W::Network) && token.low == "netshoot" {
            NETWORK_DEBUG_IMAGE.to_owned()
        } else {
            token.raw.to_owned()
        }
    }

    // ---------------------------------------------------------- resolution

    /// The first kind word still free (not a namespace or context phrase).
    fn main_kind(&self) -> Option<(usize, ResourceKind, Number)> {
        (0..self.len()).find_map(|i| {
            if self.used[i] {
                return None;
            }
            let (kind, number) = self.tokens[i].kind()?;
            if self.tokens[i].low == "deploy"
                && self
                    .changes
                    .iter()
                    .any(|(j, c)| *j == i && *c == Change::Deploy)
            {
                return None;
            }
            Some((i, kind, number))
        })
    }

    /// "what service does the shop ingress point to", "which storage class
    /// does the data-0 pvc use", "which deployment does the cart service
    /// select": a question whose first kind is what is asked for and whose
    /// second kind, named, is the object that holds the answer (an
    /// Ingress's backends, a claim's class, a Service's selector). The
    /// named object is the one read; the asked-for kind is used up.
    fn questioned_object(&mut self) -> Option<(usize, ResourceKind, Number)> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        if !self.is_w(first, W::Question) {
            return None;
        }
        let asked = self.next_meaningful(first)?;
        let asked_kind = self.tokens[asked].kind()?;
        let verb = self.next_meaningful(asked)?;
        // ("which pods does the web service select": the pods themselves,
        // listed by the workload's label.)
        if self.used[asked]
            || self.tokens[asked].value.is_some()
            || asked_kind.0 == ResourceKind::Pod
            || !self.is_w(verb, W::Do)
        {
            return None;
        }
        let (held_at, kind, number) = (verb + 1..self.len()).find_map(|k| {
            let (kind, number) = self.tokens[k].kind()?;
            let named = self.tokens[k].value.is_some()
                || (k > 0 && self.is_value(k - 1))
                || self.value_after(k).is_some();
            (!self.used[k] && named && kind != asked_kind.0 && number != Number::Plural)
                .then_some((k, kind, number))
        })?;
        self.use_token(asked);
        Some((held_at, kind, number))
    }

    /// Kinds mentioned, in order, free ones only.
    fn kinds(&self) -> impl Iterator<Item = (usize, ResourceKind, Number)> + '_ {
        (0..self.len()).filter_map(|i| {
            if self.used[i] {
                return None;
            }
            let (kind, number) = self.tokens[i].kind()?;
            if self.changes.iter().any(|(j, _)| *j == i) {
                return None;
            }
            Some((i, kind, number))
        })
    }

    /// The first free value standing at `place` (relative to the kind word
    /// `kind_at`) that `fits`, used up: an object named after a preposition
    /// ("in api-config", "to checkout", "of checkout").
    fn take_value_at(
        &mut self,
        place: Place,
        kind_at: Option<usize>,
        fits: impl Fn(&Token<'_>) -> bool,
    ) -> Option<String> {
        let i = (0..self.len()).find(|&i| {
            self.is_value(i) && self.place(i, kind_at) == place && fits(&self.tokens[i])
        })?;
        Some(self.take_value(i))
    }

    /// The value at `i`, used up, in lower case.
    fn take_value(&mut self, i: usize) -> String {
        self.use_token(i);
        owned(self.tokens[i].raw)
    }

    /// Where the free value at `i` stands, relative to the kind word `kind_at`.
    fn place(&self, i: usize, kind_at: Option<usize>) -> Place {
        if self.tokens[i].shape == Shape::Quoted {
            return Place::Named;
        }
        let mut prev = self.prev_meaningful(i);
        // "scale up web", "spin down worker": the particle belongs to the verb.
        if let Some(p) = prev
            && (matches!(self.w(p), Some(W::Up | W::Down)) || self.low(p) == "back")
            && let Some(before) = self.prev_meaningful(p)
            && self.changes.iter().any(|(j, _)| *j == before)
        {
            prev = Some(before);
        }
        let prev_w = prev.and_then(|p| self.w(p));
        if matches!(prev_w, Some(W::Named)) {
            return Place::Named;
        }
        // "checkout is crashing", "web keeps restarting": the subject.
        // ("orders in store keeps failing": past the namespace's phrase;
        // "checkout needs 4 replicas": what it needs.)
        if prev.is_none()
            && (matches!(self.low(i + 1), "needs" | "need" | "wants")
                || self
                    .next_meaningful(i)
                    .and_then(|n| {
                        if self.is_w(n, W::In)
                            && self
                                .tokens
                                .get(n + 1)
                                .is_some_and(|t| t.shape == Shape::Word && t.lex == Lex::Unknown)
                        {
                            self.next_meaningful(n + 1)
                        } else {
                            Some(n)
                        }
                    })
                    .is_some_and(|n| {
                        matches!(self.w(n), Some(W::Be | W::Restarts | W::Wrong | W::Not))
                        // "reports never becomes ready".
                        || self.low(n) == "never"
                        // "checkout doesn't come up", "cart can't start":
                        // a negated auxiliary after the subject.
                        || (matches!(self.w(n), Some(W::Do | W::Can))
                            && (self.low(n).ends_with("nt")
                                || self.low(n).ends_with("n't")
                                || self.low(n) == "cannot"))
                        // "checkout needs a restart", "i need checkout restarted".
                        || self.changes.iter().any(|(j, _)| *j == n)
                    }))
        {
            return Place::AfterVerb;
        }
        if let Some(k) = kind_at {
            if prev == Some(k) || (i > 0 && i - 1 == k) {
                return Place::AfterKind;
            }
            if self.next_meaningful(i) == Some(k) || i + 1 == k {
                return match self.tokens[k].kind() {
                    Some((_, Number::Plural)) => Place::BeforePlural,
                    _ => Place::BeforeKind,
                };
            }
        }
        if let Some((_, Number::Plural)) = self.tokens.get(i + 1).and_then(Token::kind) {
            return Place::BeforePlural;
        }
        match prev_w {
            // "error on api-2 in staging": with a namespace given by "in",
            // "on" names the object the request is about.
            Some(W::On)
                if (0..self.len()).any(|j| {
                    j != i
                        && self.is_value(j)
                        && self.prev_meaningful(j).is_some_and(|p| self.is_w(p, W::In))
                }) =>
            {
                Place::Of
            }
            Some(W::In | W::On) => Place::In,
            Some(W::Of | W::For | W::From | W::By | W::Into | W::With) => Place::Of,
            Some(W::To) => Place::To,
            Some(
                W::Change(_)
                | W::Read
                | W::Describe
                | W::Logs
                | W::Top
                | W::Tail
                | W::Debug
                | W::Troubleshoot
                | W::Watch
                | W::Be
                | W::Do
                | W::Can
                // ("how come cart keeps crashing": the subject after it.)
                | W::Why,
            ) => Place::AfterVerb,
            _ if prev.is_some_and(|p| self.changes.iter().any(|(j, _)| *j == p)) => {
                Place::AfterVerb
            }
            _ => Place::Other,
        }
    }

    /// Picks the object name: `kind/name`, "named x", "pod x", "the x pod",
    /// then weaker positions when `loose` (a tool that needs a name).
    fn take_name(&mut self, kind_at: Option<usize>, loose: bool) -> Option<String> {
        if let Some(k) = kind_at
            && let Some(value) = self.tokens[k].value
        {
            return Some(owned(value));
        }
        // "is the nightly-report cronjob suspended", "is the web deployment
        // ready": in a yes-no question, the word closing it after the kind
        // is the state asked about, and the name stands before the kind.
        let state_at = kind_at
            .filter(|&k| k > 0 && self.is_value(k - 1))
            .filter(|_| {
                // ("did the db-migrate job succeed": a question with "did" too.)
                (0..self.len())
                    .find(|&i| !self.is_filler(i))
                    .is_some_and(|first| self.is_w(first, W::Be) || self.low(first) == "did")
            })
            // "is the nightly-export cronjob suspended in data": the word
            // after the kind, wherever the question ends.
            .and_then(|k| self.next_meaningful(k))
            // "what hosts does the shop ingress route", "which pods does
            // the web service select": after "does", the word following
            // the kind is the question's verb; the name stands before it.
            .or_else(|| {
                let k =
                    kind_at.filter(|&k| k > 0 && self.is_value(k - 1) && self.is_value(k + 1))?;
                let asks = (0..self.len())
                    .find(|&i| !self.is_filler(i))
                    .is_some_and(|first| self.is_w(first, W::Question));
                (asks && (0..k).any(|j| self.is_w(j, W::Do))).then_some(k + 1)
            });
        // "clusterrole view", "job migrate": a name that is also a word, right
        // after a singular kind, when that word is not the request's verb.
        if let Some(k) = kind_at
            && matches!(
                self.tokens[k].kind(),
                Some((_, Number::Singular | Number::Short))
            )
            && let Some(next) = self.tokens.get(k + 1)
            && !self.used[k + 1]
            && next.shape == Shape::Word
            && is_name_shaped(next.low)
            && (matches!(next.w(), Some(W::Read | W::Change(_)))
                || (next.w() == Some(W::Filler)
                    && FILLERS_THAT_NAME_THINGS.contains(&next.low)
                    && self.tokens.get(k + 2).is_none_or(|t| {
                        t.shape == Shape::Flag
                            || matches!(t.w(), Some(W::In | W::From | W::On | W::Of))
                    })))
            && !self.changes.iter().any(|(j, _)| *j == k + 1)
            // "why can't the reports deployment create pods": a verb and its object.
            && self.tokens.get(k + 2).is_none_or(|t| t.kind().is_none())
            && Some(k + 1) != state_at
            // "why won't my pod start": the negated verb, not a name.
            && !self.tokens[..k].iter().any(|t| t.w() == Some(W::Not))
            // "what configmaps does the cart deployment mount": the question's verb.
            && !self.tokens[..k].iter().any(|t| t.w() == Some(W::Do))
        {
            self.use_token(k + 1);
            return Some(owned(next.raw));
        }
        let rank = |place: Place| match place {
            Place::Named => 0,
            Place::AfterKind => 1,
            Place::BeforeKind => 2,
            Place::AfterVerb => 3,
            Place::Of => 4,
            Place::Other => 5,
            Place::To => 6,
            Place::In | Place::BeforePlural => 9,
        };
        // "pods older than 7 days", "pods created in the last hour": after a
        // plural kind in words, a plain word describes the list; only a
        // generated name ("pods web-1") or kubectl syntax names one object.
        let plural_at = kind_at.filter(|&k| {
            !self.kubectl
                && !self.kubectl_get_name(k)
                && matches!(self.tokens[k].kind(), Some((_, Number::Plural)))
        });
        // One pass, no list of candidates: this runs for most requests.
        let best = (0..self.len())
            .filter(|&i| self.is_value(i))
            .filter(|&i| {
                plural_at.is_none()
                    || self.looks_generated(i)
                    || self.place(i, kind_at) != Place::AfterKind
            })
            .filter(|&i| Some(i) != state_at || self.looks_generated(i))
            // "why hasn't the migration job finished": a participle after
            // the kind, with a name before it, is the state asked about.
            // ("is there a network policy blocking cart": the policy's
            // doing, its object after it.)
            .filter(|&i| {
                !(is_participle(self.low(i))
                    && kind_at.is_some_and(|k| {
                        k + 1 == i && ((k > 0 && self.is_value(k - 1)) || self.is_value(i + 1))
                    }))
            })
            .map(|i| (i, rank(self.place(i, kind_at))))
            .filter(|&(i, rank)| {
                rank <= 2 || (loose && rank <= 6 && (rank <= 4 || self.looks_generated(i)))
            })
            .min_by_key(|&(i, rank)| (rank, i))
            .map(|(i, _)| i)?;
        self.use_token(best);
        Some(owned(self.tokens[best].raw))
    }

    /// `get pods nginx`, `describe deployments web`: kubectl's command
    /// order, the verb opening the request, the kind right after it and one
    /// plain word ending it, names the object, whatever the kind's number
    /// (a common namespace name, "get pods staging", stays a namespace).
    fn kubectl_get_name(&self, kind_at: usize) -> bool {
        let Some(verb) = kind_at.checked_sub(1) else {
            return false;
        };
        kind_at + 2 == self.len()
            && matches!(self.low(verb), "get" | "describe")
            && (0..verb).all(|i| self.is_filler(i))
            && self.is_value(kind_at + 1)
            && self.tokens[kind_at + 1].shape == Shape::Word
            && !is_namespace_word(self.low(kind_at + 1))
    }

    /// "the payment pods", "api pods": a value right before a plural `pods`
    /// names the workload they belong to, unless it is a common namespace
    /// name ("the staging pods").
    fn workload_before_pods(&mut self, pods_at: usize) -> Option<String> {
        let i = self
            .prev_meaningful(pods_at)
            .filter(|&i| self.is_value(i) && !is_namespace_word(self.tokens[i].low))?;
        self.use_token(i);
        Some(owned(self.tokens[i].raw))
    }

    /// A value with a digit or a dash: a generated or compound object name.
    fn looks_generated(&self, i: usize) -> bool {
        self.tokens[i]
            .low
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'-')
    }

    /// " in NS" for the namespace the request names, to repeat in the
    /// request a question suggests; nothing when it names none.
    fn namespace_to_repeat(&mut self) -> String {
        self.take_namespace(false, true)
            .map_or_else(String::new, |namespace| format!(" in {namespace}"))
    }

    /// The namespace: flags and phrases first, then "in x", then "to x" for
    /// creations, then "x pods". Never guessed.
    fn take_namespace(&mut self, allow_to: bool, allow_of: bool) -> Option<String> {
        if self.namespace.is_some() {
            return self.namespace.clone();
        }
        // "checkout pods prod": bare words end with the namespace, before
        // any other place ("checkout" is whose pods).
        if self.is_terse()
            && let Some(namespace) = self.terse_namespace()
        {
            return Some(namespace);
        }
        let mut best: Option<(usize, u8)> = None;
        for i in 0..self.len() {
            // "room for 10 more pods": a count, never a namespace.
            if !self.is_value(i) || parse_number(self.tokens[i].low).is_some() {
                continue;
            }
            // "checkout.production.svc": a namespace's name has no dot.
            // "coredns pods": a component, whose namespace is kube-system.
            if self.tokens[i].low.contains('.') || system_component(self.tokens[i].low).is_some() {
                continue;
            }
            // "evicted on node-2", "evict web-2 from worker-1": a numbered
            // node, never a namespace.
            if is_node_name_shaped(self.tokens[i].raw)
                && self.tokens[i].low.bytes().any(|b| b.is_ascii_digit())
                && self
                    .prev_meaningful(i)
                    .is_some_and(|p| matches!(self.w(p), Some(W::On | W::From)))
            {
                continue;
            }
            let rank = match self.place(i, None) {
                Place::In => 0,
                Place::To if allow_to => 1,
                Place::BeforePlural => 2,
                Place::Of if allow_of => 3,
                _ => continue,
            };
            if best.is_none_or(|(_, r)| rank < r) {
                best = Some((i, rank));
            }
        }
        let Some((i, _)) = best else {
            return self
                .terse_namespace()
                .or_else(|| self.trailing_namespace())
                .or_else(|| self.system_namespace());
        };
        self.use_token(i);
        self.namespace = Some(owned(self.tokens[i].raw));
        self.namespace.clone()
    }

    /// "pods shop", "events billing", "logs api-0 backend", "cart logs
    /// shop": a request typed as bare words, with no verb and no
    /// preposition, ends with its namespace (a name with no digit: a pod's
    /// generated name has some). With a verb ("get pods nginx") the word
    /// after the kind is kubectl's object name, so this never applies.
    fn terse_namespace(&mut self) -> Option<String> {
        let last = self.len().checked_sub(1)?;
        if !self.is_terse()
            || !self.is_value(last)
            || self.tokens[last].low.bytes().any(|b| b.is_ascii_digit())
        {
            return None;
        }
        self.use_token(last);
        self.namespace = Some(owned(self.tokens[last].raw));
        self.namespace.clone()
    }

    /// "describe pod web-1 shop", "restart web shop", "scale web to 3
    /// shop", "get pods staging": a command (its verb first, kubectl's
    /// order) that has named its object and ends with one more bare word,
    /// which is where kubectl users put the namespace (`-n` left out). The
    /// word before it is the object (a name, a count, a kind), and the
    /// words between the verb and it are only kinds, names, counts and
    /// "to": a preposition or a question makes it prose. An adverb
    /// ("restart web quickly") or a generated name is no namespace.
    fn trailing_namespace(&mut self) -> Option<String> {
        let last = self.len().checked_sub(1)?;
        let prev = last.checked_sub(1)?;
        let token = &self.tokens[last];
        if self.len() > 8
            || token.shape != Shape::Word
            || !self.is_value(last)
            || token.low.bytes().any(|b| b.is_ascii_digit())
            || (is_participle(token.low) && !is_namespace_word(token.low))
            || system_component(token.low).is_some()
        {
            return None;
        }
        // "web restart shop": the object, its verb, the namespace.
        if self.len() == 3
            && self.tokens[0].shape == Shape::Word
            && self.tokens[0].lex == Lex::Unknown
            && matches!(self.w(1), Some(W::Change(_)))
        {
            self.use_token(last);
            self.namespace = Some(owned(self.tokens[last].raw));
            return self.namespace.clone();
        }
        let verb = (0..self.len()).find(|&i| !self.is_filler(i))?;
        if verb >= prev
            || !matches!(
                self.w(verb),
                Some(W::Change(_) | W::Read | W::Describe | W::Logs | W::Top)
            )
        {
            return None;
        }
        let object = |t: &Token<'_>| {
            t.kind().is_some()
                || (t.shape == Shape::Word && t.lex == Lex::Unknown && is_name_shaped(t.low))
                || (t.shape == Shape::Word && parse_number(t.low).is_some())
        };
        // "logs of checkout prod": a namespace's usual name last is one
        // even after "of" or "for".
        let usual_namespace = is_namespace_word(token.low);
        let between_fits = self.tokens[verb + 1..last].iter().all(|t| {
            object(t)
                || t.shape == Shape::Flag
                || matches!(
                    t.w(),
                    Some(W::To | W::Filler | W::Polite | W::Logs | W::Replicas | W::Up | W::Down)
                )
                || (usual_namespace && matches!(t.w(), Some(W::Of | W::For)))
        });
        if !between_fits || !object(&self.tokens[prev]) {
            return None;
        }
        self.use_token(last);
        self.namespace = Some(owned(self.tokens[last].raw));
        self.namespace.clone()
    }

    /// Two to four bare words with a kind or "logs"/"events" among them and
    /// nothing else: no verb, question, preposition or flag.
    /// ("logs pls, checkout, prod": a "please" changes nothing.)
    fn is_terse(&self) -> bool {
        let words = self.tokens.iter().filter(|t| t.w() != Some(W::Polite));
        (2..=4).contains(&words.clone().count())
            && self
                .tokens
                .iter()
                .any(|t| t.kind().is_some() || matches!(t.w(), Some(W::Logs | W::Top)))
            && words.clone().all(|t| {
                t.shape == Shape::Word
                    && t.value.is_none()
                    && (t.kind().is_some()
                        || t.lex == Lex::Unknown
                        || matches!(t.w(), Some(W::Logs | W::Top)))
            })
    }

    /// `kube-system`, when the request is about one of the cluster's own
    /// components ("coredns logs", "restart kube-proxy") and names no other
    /// namespace; not when the component is only a test's target ("can web
    /// reach kube-dns") or every namespace is asked.
    fn system_namespace(&mut self) -> Option<String> {
        if self.all_namespaces {
            return None;
        }
        let about_component = (0..self.len()).any(|i| {
            self.tokens[i].shape == Shape::Word
                && system_component(self.tokens[i].low).is_some()
                && self.prev_meaningful(i).is_none_or(|p| {
                    !self.is_w(p, W::To)
                        && !matches!(self.low(p), "reach" | "resolve" | "ping" | "curl")
                })
        });
        if !about_component {
            return None;
        }
        self.namespace = Some(SYSTEM_NAMESPACE.to_owned());
        self.namespace.clone()
    }

    /// "what cluster am I connected to", "which cluster is this", "which
    /// context am I using", "what namespace am I in": where requests go.
    /// The kubeconfig's contexts (the current one marked) answer a cluster
    /// or context question; its current context's own entry (minified: the
    /// namespace it sets) a namespace question. The session's own context
    /// and namespace, if switched, are the workflow's to add.
    fn where_am_i(&self) -> Option<Intent> {
        let asks = (0..self.len())
            .find(|&i| !self.is_filler(i))
            .is_some_and(|first| self.is_w(first, W::Question))
            || self.has_w_anywhere(&[W::Current]);
        // "what's currently running in the payments namespace": a namespace named is read.
        // A change word anywhere ("which cluster is this, restart it") is
        // never answered by a read.
        if !asks
            || self.namespace.is_some()
            || self.all_namespaces
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.w(), Some(W::Change(_))))
        {
            return None;
        }
        let mut place = None;
        let mut here = false;
        for (i, token) in self.tokens.iter().enumerate() {
            match (token.w(), token.kind()) {
                (Some(W::Cluster | W::Context), _) if token.low != "clusters" => {
                    place.get_or_insert(false);
                }
                (_, Some((ResourceKind::Namespace, Number::Singular | Number::Short))) => {
                    place = Some(true);
                }
                (_, Some(_)) => return None,
                _ => {}
            }
            let next = self.tokens.get(i + 1).map_or("", |t| t.low);
            here |= (token.low == "am" && next == "i")
                || (token.low == "are" && next == "we")
                || token.low == "this"
                || token.w() == Some(W::Current);
        }
        let namespace = place?;
        // "what namespace is checkout in": an object's namespace, not ours.
        let named = (0..self.len()).any(|i| {
            self.is_value(i)
                && !matches!(
                    self.low(i),
                    "connected" | "working" | "pointed" | "pointing" | "talking" | "set" | "logged"
                )
        });
        if !here || named {
            return None;
        }
        Some(if namespace {
            Intent::ReadOnly {
                tool: Tool::ConfigurationView,
                arguments: Arguments {
                    minified: Some(true),
                    ..Arguments::default()
                },
            }
        } else {
            Intent::ReadOnly {
                tool: Tool::ConfigurationContextsList,
                arguments: Arguments::default(),
            }
        })
    }

    /// Any free value left that looks like a name (used to tell "I could not
    /// place this word" from "nothing was named").
    fn leftover_value(&self) -> Option<usize> {
        (0..self.len()).find(|&i| self.is_value(i))
    }

    fn has_w(&self, wanted: &[W]) -> bool {
        self.tokens
            .iter()
            .enumerate()
            .any(|(i, t)| !self.used[i] && t.w().is_some_and(|w| wanted.contains(&w)))
    }

    /// Whether any word of the request (used or not) has one of the roles.
    fn has_w_anywhere(&self, wanted: &[W]) -> bool {
        self.present.any(wanted)
    }

    /// The base arguments every tool call carries: the context when named.
    fn base(&self) -> Arguments {
        Arguments {
            context: self.context.clone(),
            ..Arguments::default()
        }
    }

    // ------------------------------------------------------------ decision

    fn decide(&mut self) -> Intent {
        if self.only_thanks() {
            return Intent::clarify(vec![Param::Intent], YOU_ARE_WELCOME);
        }
        if self.only_apology() {
            return Intent::clarify(vec![Param::Intent], NO_PROBLEM);
        }
        if self.is_small_talk() {
            return Intent::clarify(vec![Param::Intent], CAPABILITIES);
        }
        let meaningful = self
            .tokens
            .iter()
            .any(|t| t.lex != Lex::W(W::Filler) && t.lex != Lex::W(W::Polite));
        if !meaningful {
            return Intent::clarify(
                vec![Param::Intent],
                "What would you like me to do? For example: \"list pods in staging\" or \"scale web to 3\".",
            );
        }
        if let Some(intent) = self.namespace_switch() {
            return intent;
        }
        if self.switch_context
            && self
                .changes
                .iter()
                .all(|(_, c)| matches!(c, Change::Edit | Change::Set | Change::Other))
        {
            // "switch context to prod-eu and namespace shop": both.
            let namespace = self.namespace.clone().or_else(|| {
                let at = (0..self.len()).find(|&i| {
                    matches!(
                        self.tokens[i].kind(),
                        Some((ResourceKind::Namespace, Number::Singular | Number::Short))
                    )
                })?;
                let j = self.value_after(at)?;
                self.use_token(j);
                Some(owned(self.tokens[j].raw))
            });
            return match self.context.clone() {
                Some(context) => Intent::SwitchContext {
                    arguments: Arguments {
                        context: Some(context),
                        namespace,
                        ..Arguments::default()
                    },
                },
                None => Intent::clarify(vec![Param::Context], "Which context should I switch to?"),
            };
        }
        if let Some(intent) = self.handoff() {
            return intent;
        }
        if let Some(intent) = self.several_kinds() {
            return intent;
        }
        if let Some(intent) = self.who_changed() {
            return intent;
        }
        if let Some(intent) = self.explained_change() {
            return intent;
        }
        if let Some(intent) = self.what_if() {
            return intent;
        }
        // "who am i", `kubectl auth whoami`, `kubectl cluster-info`: the
        // current context's user and server, in the minified kubeconfig.
        let identity = self.tokens.iter().enumerate().any(|(i, t)| match t.low {
            "cluster-info" => true,
            "whoami" => self.kubectl,
            _ => t.w() == Some(W::Who) && self.low(i + 1) == "am" && self.low(i + 2) == "i",
        });
        // (Any change verb at all, live or not, leaves it to the rules below.)
        if identity
            && !self
                .tokens
                .iter()
                .any(|t| matches!(t.w(), Some(W::Change(_))))
        {
            return Intent::ReadOnly {
                tool: Tool::ConfigurationView,
                arguments: Arguments {
                    minified: Some(true),
                    ..Arguments::default()
                },
            };
        }
        if self.rbac && self.changes.is_empty() {
            return self.rbac_audit();
        }
        // `kubectl api-resources`: the kinds there are, which kubeop names.
        if self.changes.is_empty()
            && self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "api-resources" | "api-versions"))
        {
            return Intent::clarify(vec![Param::Kind], KINDS_READ);
        }
        // `kubectl get componentstatuses` (`cs`): the control plane's health.
        if self.changes.is_empty()
            && (0..self.len()).any(|i| {
                matches!(self.low(i), "componentstatuses" | "componentstatus")
                    || (self.low(i) == "cs" && i > 0 && self.low(i - 1) == "get")
            })
        {
            return Intent::HealthCheck {
                arguments: self.base(),
            };
        }
        // "is the api server healthy", "are all the control plane
        // components ok": the cluster's own machinery, whose health the
        // cluster health check reports (a managed cluster runs no pod of
        // it to diagnose); never a namespace "control" or a workload.
        if self.changes.is_empty() && self.asks_control_plane_health() {
            return Intent::HealthCheck {
                arguments: self.base(),
            };
        }
        // "mark node-2 unschedulable": a cordon in words.
        if let Some(first) = (0..self.len()).find(|&i| !self.is_filler(i))
            && matches!(self.low(first), "mark" | "make" | "set")
            && let Some(state) = self
                .tokens
                .iter()
                .map(|t| t.low)
                .find(|low| matches!(*low, "unschedulable" | "schedulable"))
        {
            return self.node_schedulable(state == "unschedulable");
        }
        if !self.changes.is_empty() {
            // "don't delete pod web-1": every change is one the user said
            // not to make; neither make it nor read instead.
            if self
                .changes
                .iter()
                .all(|(at, _)| (0..*at).any(|n| negated_verb_after(self.tokens, n) == Some(*at)))
            {
                // "don't restart web, just show its logs": the read asked
                // instead (after "just", "only", "instead" or "but") is the
                // request; the verbs said not to are spent.
                let last_said_not = self.changes.iter().map(|(at, _)| *at).max().unwrap_or(0);
                if (last_said_not..self.len())
                    .any(|i| matches!(self.low(i), "just" | "only" | "instead" | "but"))
                    && self.has_w_anywhere(&[W::Read, W::Logs, W::Describe, W::Top, W::Tail])
                {
                    for (at, _) in std::mem::take(&mut self.changes) {
                        self.use_token(at);
                    }
                    return self.decide();
                }
                let (at, _) = self.changes[0];
                return Intent::clarify(
                    vec![Param::Intent],
                    format!(
                        "You said not to {}. I change nothing unless asked; what should I do instead?",
                        self.tokens[at].low
                    ),
                );
            }
            if let Some(intent) = self.conditional_change() {
                return intent;
            }
            // "restart checkout but not in prod", "scale web except in
            // staging": a namespace ruled out leaves the one meant unsaid.
            if let Some(i) = (1..self.len()).find(|&i| {
                self.is_w(i, W::In)
                    && (self.is_w(i - 1, W::Not) || matches!(self.low(i - 1), "except" | "besides"))
            }) {
                let excluded = self.value_after(i).map_or("", |v| self.tokens[v].raw);
                return Intent::clarify(
                    vec![Param::Namespace],
                    format!(
                        "You ruled out {excluded}: which namespace should I make the change in? I make one change in one namespace, each with its own plan."
                    ),
                );
            }
            if self.several_namespaces {
                return Intent::clarify(
                    vec![Param::Namespace],
                    "That names several namespaces, and I make one change at a time, in one namespace, each with its own plan. Which namespace first?",
                );
            }
            // "scale checkout to 3 in all namespaces": one change per namespace.
            if self.all_namespaces {
                return Intent::clarify(
                    vec![Param::Namespace],
                    "That spans every namespace, and I make one change at a time, in one namespace, each with its own plan. Which namespace first?",
                );
            }
            return self.mutation();
        }
        // "I want 5 replicas of checkout", "give web 3 replicas": a target
        // count without a change verb.
        // "bring web down to zero replicas", "get api up to 5": a target
        // count reached by a movement, whatever verb carries it.
        let moved_to_count = self.replicas_after_to
            && self.has_w_anywhere(&[W::Up, W::Down])
            && (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_none_or(|first| !matches!(self.w(first), Some(W::Question | W::Be | W::Do)));
        if self.replicas.is_some()
            && (self.gives_to_an_object()
                || moved_to_count
                || !self.has_w_anywhere(&[
                    W::Read,
                    W::Question,
                    W::Describe,
                    W::Count,
                    W::Be,
                    W::Do,
                    // "hpa web stuck at 10 replicas": a complaint.
                    W::Wrong,
                    W::Why,
                ]))
        {
            return self.scale();
        }
        // "give checkout a memory limit of 1Gi": a resource change without a change verb.
        if self.gives_to_an_object()
            && let Some(intent) = self.resource_change()
        {
            return intent;
        }
        // "give api more memory", "web needs more replicas": a change asked
        // as a difference, without a change verb.
        if let Some(resource) = self.relative_resource()
            && !self.has_w_anywhere(&[W::Question, W::Why, W::Describe, W::Count])
            && (self.gives_to_an_object() || !self.has_w_anywhere(&[W::Read]))
            && (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_none_or(|first| !matches!(self.w(first), Some(W::Be | W::Do)))
        {
            if resource == "replicas" {
                return self.relative_scale();
            }
            return self.resource_amount_question(resource);
        }
        if let Some(intent) = self.shell_request() {
            return intent;
        }
        if self.unsafe_pipe || self.chained {
            return Intent::clarify(
                vec![Param::Intent],
                "That is several commands chained together. I take one request at a time: what should I do first?",
            );
        }
        if let Some(intent) = self.command_in_pod() {
            return intent;
        }
        if let Some(intent) = self.debug_pod_request() {
            return intent;
        }
        if let Some(intent) = self.namespace_terminating() {
            return intent;
        }
        if let Some(intent) = self.restart_ranking() {
            return intent;
        }
        if let Some(intent) = self.node_capacity() {
            return intent;
        }
        if let Some(intent) = self.diagnosis() {
            return intent;
        }
        if let Some(intent) = self.health() {
            return intent;
        }
        let read = self.read();
        // "list nodes on prod-eu", "on prod-eu, list nodes": a place after
        // "on" that the read could not use (no namespace for a cluster's
        // nodes, not a node's name) is most likely a context, which only
        // the kubeconfig knows: asked, never guessed, never dropped.
        if matches!(read, Intent::ReadOnly { .. })
            && self.context.is_none()
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
                    && !is_node_name_shaped(self.tokens[i].raw)
            })
        {
            let place = self.tokens[i].raw;
            return Intent::clarify(
                vec![Param::Context],
                format!(
                    "Is \"{place}\" a context of your kubeconfig? Say \"... on context {place}\" (or add --context {place}) and I read it there; I do not take a bare name for a cluster."
                ),
            );
        }
        // "logs of checkout in production and staging": one object is in
        // one namespace; reading it in some other one would be a guess.
        if self.several_namespaces
            && matches!(
                read.tool(),
                Some(Tool::PodsLog | Tool::PodsGet | Tool::ResourcesGet | Tool::ResourcesScale)
            )
        {
            return Intent::clarify(
                vec![Param::Namespace],
                "That names several namespaces for one object. Which namespace is it in?",
            );
        }
        read
    }

    /// "who scaled checkout to 0 in prod", "who deployed checkout", "who
    /// last modified the web service": the API does not record the person
    /// behind a change (managedFields name the client program), so the
    /// object is read: its state, revision and conditions are what the
    /// cluster knows of its last change. Never the change itself ("to 0"
    /// is what was done), never an RBAC audit ("who can scale" is one).
    /// "who deleted pod X": the read says whether it is gone.
    fn who_changed(&mut self) -> Option<Intent> {
        if !self.changes.is_empty() {
            return None;
        }
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        // "did someone restart checkout", "did anyone delete pod web-1"
        // (the scan left that verb out of the changes).
        let did_someone = matches!(self.low(first), "did" | "didnt" | "didn't")
            && matches!(
                self.low(first + 1),
                "someone" | "somebody" | "anyone" | "anybody" | "you" | "they" | "we" | "i"
            )
            && self
                .tokens
                .get(first + 2)
                .is_some_and(|t| t.shape == Shape::Word && matches!(t.w(), Some(W::Change(_))));
        let verb = if did_someone {
            first + 2
        } else {
            if !self.is_w(first, W::Who) {
                return None;
            }
            // ("deleted" is a filler elsewhere: the next word, as written.)
            let mut verb = first + 1;
            if matches!(self.low(verb), "last" | "recently" | "just") {
                verb += 1;
            }
            let token = self.tokens.get(verb)?;
            if token.shape != Shape::Word || !token.low.ends_with("ed") {
                return None;
            }
            verb
        };
        self.use_token(verb);
        let (kind, kind_at) = match self.main_kind() {
            Some((k, kind, Number::Singular | Number::Short)) => (kind, Some(k)),
            None => (ResourceKind::Deployment, None),
            Some(_) => return None,
        };
        // ("who deployed checkout": the word the verb acts on.)
        let name = self.take_name(kind_at, true).or_else(|| {
            // ("who scaled down web": past the verb's particle.)
            let object = self
                .next_meaningful(verb)
                .map(|n| match self.w(n) {
                    Some(W::Up | W::Down) => self.next_meaningful(n),
                    _ => Some(n),
                })?
                .filter(|&n| self.is_value(n))?;
            Some(self.take_value(object))
        })?;
        let namespace = self.take_namespace(false, true);
        // ("who killed web-1": a pod's generated name is that pod.)
        let kind = if kind_at.is_none() && looks_like_pod_name(&name) {
            ResourceKind::Pod
        } else {
            kind
        };
        Some(self.object_read(kind, name, namespace))
    }

    /// "what does restarting a deployment do", "explain what a rollout
    /// restart does", "how does cordon work": what a change does, asked in
    /// general, is explained (and how to ask for it), never made, never a
    /// diagnosis. "explain why checkout restarts" is a diagnosis.
    fn explained_change(&self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        let last = (0..self.len()).rev().find(|&i| !self.is_filler(i))?;
        let closes = |words: &[&str]| words.contains(&self.low(last));
        let asks = match self.low(first) {
            "explain" => true,
            "what" | "whats" => {
                (matches!(self.low(first + 1), "does" | "do" | "happens")
                    && closes(&["do", "does", "mean", "means", "happen"]))
                    // "what would happen if I deleted web": supposed in the
                    // past tense, no change verb asked (a present one, "what
                    // happens if I delete web", names the request to make).
                    || (self.changes.is_empty()
                        && (first + 1..self.len().min(first + 4)).any(|i| {
                            matches!(self.low(i), "happen" | "happens") && self.low(i + 1) == "if"
                        }))
            }
            "how" => matches!(self.low(first + 1), "does" | "do") && closes(&["work", "works"]),
            _ => false,
        };
        if !asks || self.has_w_anywhere(&[W::Why, W::Wrong]) {
            return None;
        }
        let explanation = (first + 1..self.len()).find_map(|i| {
            // ("what does the restart count mean": a column, not the change.)
            if matches!(self.low(i + 1), "count" | "counts" | "column" | "policy") {
                return None;
            }
            Some(match self.low(i) {
                "restart" | "restarting" | "restarted" | "bounce" | "bouncing" | "bounced"
                | "redeploy" => EXPLAIN_RESTART,
                "scale" | "scaling" | "scaled" => EXPLAIN_SCALE,
                "delete" | "deleting" | "deleted" | "removed" => EXPLAIN_DELETE,
                "cordon" | "cordoning" | "cordoned" | "uncordon" => EXPLAIN_CORDON,
                "drain" | "draining" | "drained" => EXPLAIN_DRAIN,
                "rollback" | "undo" | "undid" | "revert" | "reverted" => EXPLAIN_ROLLBACK,
                "roll" | "rolling" | "rolled" if self.low(i + 1) == "back" => EXPLAIN_ROLLBACK,
                "suspend" | "suspending" | "suspended" => EXPLAIN_SUSPEND,
                _ => return None,
            })
        })?;
        Some(Intent::clarify(vec![Param::Intent], explanation))
    }

    /// "what happens if the node dies", "what if worker-1 fails", "what
    /// would happen when the pod crashes": a supposition with no change
    /// asked (those are `explained_change`'s and `hypothetical_change`'s)
    /// is explained, never read as an object named by its verb ("dies")
    /// nor diagnosed as trouble happening now.
    fn what_if(&self) -> Option<Intent> {
        if !self.changes.is_empty() {
            return None;
        }
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        if !matches!(self.low(first), "what" | "whats") {
            return None;
        }
        let supposed = (first + 1..self.len().min(first + 5)).any(|i| {
            matches!(self.low(i), "if" | "when")
                && (i == first + 1
                    || (first + 1..i).any(|j| matches!(self.low(j), "happen" | "happens")))
        });
        if !supposed {
            return None;
        }
        let node = self.tokens.iter().any(|t| {
            matches!(t.kind(), Some((ResourceKind::Node, _))) || is_node_name_shaped(t.raw)
        });
        let explanation = if node {
            EXPLAIN_NODE_LOSS
        } else if self.has_w_anywhere(&[W::Wrong, W::Restarts, W::Down])
            || self.tokens.iter().any(|t| is_pod_symptom(t.low))
        {
            EXPLAIN_POD_LOSS
        } else {
            EXPLAIN_WHAT_IF
        };
        Some(Intent::clarify(vec![Param::Intent], explanation))
    }

    /// `get svc,deploy -n prod`: kubectl's comma list of kinds. kubeop reads
    /// or changes one kind per request, so it asks which (reading pods, or
    /// only the first kind, would answer another question silently).
    fn several_kinds(&self) -> Option<Intent> {
        let token = self.tokens.iter().find(|t| {
            t.shape == Shape::Word
                && t.lex == Lex::Unknown
                && t.low.contains(',')
                && t.low
                    .split(',')
                    .all(|part| crate::kinds::lookup_kind_word(part).is_some())
        })?;
        Some(Intent::clarify(
            vec![Param::Kind],
            format!(
                "\"{}\" names several kinds, and I take one kind per request. Which one should I start with?",
                token.raw
            ),
        ))
    }

    /// "switch to namespace staging", "use namespace prod", "kubens dev",
    /// `kubectl config set-context --current --namespace=x`: the session's
    /// namespace from now on (with a context when one is named too).
    fn namespace_switch(&mut self) -> Option<Intent> {
        // "go to namespace staging": "go" opens the request though it is a
        // filler; "i want to work in payments", "let's work in billing",
        // "from now on use the shop namespace": a wish or a time before
        // the movement is no request of its own.
        let opener = (0..self.len()).find(|&i| {
            (!self.is_filler(i)
                && !self.is_w(i, W::To)
                && !matches!(self.low(i), "let's" | "lets" | "let" | "us")
                && !self.in_from_now_on(i))
                || MOVEMENT_WORDS.contains(&self.low(i))
        })?;
        let moves = MOVEMENT_WORDS.contains(&self.low(opener));
        // `kubens shop`, `cd shop` and `ns shop` (kubens's usual alias, only
        // as the whole request: "ns shop" and nothing else) switch the
        // namespace as the shell moves between directories.
        let namespace_command = matches!(self.low(opener), "kubens" | "cd")
            || (opener == 0 && self.len() == 2 && self.low(0) == "ns" && self.is_value(1));
        let switch_word = matches!(self.w(opener), Some(W::Switch | W::UseContext))
            || moves
            || matches!(self.w(opener), Some(W::Change(Change::Set | Change::Edit)))
            || namespace_command;
        let explicit = namespace_command
            || self
                .tokens
                .iter()
                .any(|t| t.low == "set-context" || t.low == "--current");
        if !switch_word && !explicit {
            return None;
        }
        let namespace_at = (0..self.len()).find(|&i| {
            matches!(
                self.tokens[i].kind(),
                Some((ResourceKind::Namespace, Number::Singular | Number::Short))
            )
        });
        // Nothing but the switch, the namespace and context phrases.
        let other_change = self.changes.iter().any(|(i, _)| *i != opener);
        let other_kind = self
            .tokens
            .iter()
            .any(|t| matches!(t.kind(), Some((kind, _)) if kind != ResourceKind::Namespace));
        // "let's work in billing": a movement into a place names a namespace
        // without the word.
        let moved_into = (moves && namespace_at.is_none())
            .then(|| {
                (opener + 1..self.len()).find(|&j| {
                    self.is_value(j) && self.prev_meaningful(j).is_some_and(|p| self.is_w(p, W::In))
                })
            })
            .flatten();
        if other_change
            || other_kind
            || (namespace_at.is_none() && !explicit && moved_into.is_none())
        {
            return None;
        }
        // "switch to the finance namespace on prod-eu": the cluster it is in.
        let context_at = if self.context.is_none() {
            (opener + 1..self.len()).find(|&j| {
                self.is_value(j)
                    && Some(j) != moved_into
                    && self.prev_meaningful(j).is_some_and(|p| self.is_w(p, W::On))
                    && namespace_at.is_some_and(|at| at < j)
            })
        } else {
            None
        };
        // The namespace's value, found before anything is used up: a
        // request that turns out to be no switch keeps all its words.
        let value_at = match &self.namespace {
            Some(_) => None,
            None => moved_into.or_else(|| {
                let from = namespace_at.unwrap_or(opener);
                // "namespace staging", "namespace to staging", "the staging namespace".
                let after = (from + 1..self.len())
                    .find(|&j| !self.is_filler(j) && !matches!(self.w(j), Some(W::To | W::Into)))
                    .filter(|&j| self.is_value(j) && Some(j) != context_at);
                let before = namespace_at
                    .and_then(|at| at.checked_sub(1))
                    .filter(|&p| self.is_value(p));
                after.or(before)
            }),
        };
        // Nothing else asked: "set image of web ... in namespace prod" is no switch.
        let stray = (0..self.len()).any(|i| {
            i != opener
                && Some(i) != namespace_at
                && Some(i) != value_at
                && Some(i) != context_at
                && !self.used[i]
                && !self.is_filler(i)
                && !self.in_from_now_on(i)
                && !matches!(self.low(i), "let's" | "lets" | "let" | "us")
                // "set my default namespace to catalog".
                && !(namespace_at == Some(i + 1)
                    && matches!(self.low(i), "default" | "working" | "current"))
                && !matches!(
                    self.w(i),
                    Some(
                        W::To
                            | W::Into
                            | W::In
                            | W::On
                            | W::And
                            | W::Config
                            | W::Context
                            | W::Cluster
                            | W::Current
                    )
                )
                && self.tokens[i].shape != Shape::Flag
        });
        if stray {
            return None;
        }
        if let Some(j) = context_at {
            self.use_token(j);
            self.context = Some(self.tokens[j].raw.to_owned());
        }
        let namespace = self.namespace.clone().or_else(|| {
            let j = value_at?;
            self.use_token(j);
            Some(owned(self.tokens[j].raw))
        });
        let Some(namespace) = namespace else {
            return Some(Intent::clarify(
                vec![Param::Namespace],
                "Which namespace should I switch to?",
            ));
        };
        Some(Intent::SwitchContext {
            arguments: Arguments {
                namespace: Some(namespace),
                context: self.context.clone(),
                ..Arguments::default()
            },
        })
    }

    /// Whether token `i` is one of "from now on": when, not what.
    fn in_from_now_on(&self, i: usize) -> bool {
        let at = |start: Option<usize>| {
            start.is_some_and(|s| {
                self.low(s) == "from"
                    && self.tokens.get(s + 1).is_some_and(|t| t.low == "now")
                    && self.tokens.get(s + 2).is_some_and(|t| t.low == "on")
            })
        };
        at(Some(i)) || at(i.checked_sub(1)) || at(i.checked_sub(2))
    }

    /// "give web 3 replicas", "give api more memory": "give" with an object
    /// (not "give me the logs") asks for a change, not a read.
    fn gives_to_an_object(&self) -> bool {
        (0..self.len())
            .find(|&i| !matches!(self.w(i), Some(W::Polite | W::Kubectl)))
            .is_some_and(|first| self.low(first) == "give" && self.is_value(first + 1))
    }

    /// "thanks", "thank you!", "cheers": thanks and nothing else.
    fn only_thanks(&self) -> bool {
        let mut thanked = false;
        for token in self.tokens {
            match token.low {
                // ("cool, thanks!", "perfect", "got it": appreciation.)
                "thanks" | "thank" | "thx" | "ty" | "cheers" | "cool" | "great" | "perfect"
                | "nice" | "awesome" | "excellent" | "brilliant" | "sweet" | "lovely"
                | "appreciated" | "appreciate" | "got" => thanked = true,
                "you" | "u" | "so" | "much" | "very" | "a" | "lot" | "again" | "kubeop" | "it"
                | "that" | "it's" | "that's" | "works" | "helps" | "helped" | "job" => {}
                _ => return false,
            }
        }
        thanked
    }

    /// "sorry, wrong chat", "oops ignore that", "nvm", "never mind": an
    /// apology or a retraction and nothing else ("wrong" there is no
    /// trouble to diagnose).
    fn only_apology(&self) -> bool {
        let mut sorry = false;
        for token in self.tokens {
            match token.low {
                "sorry" | "oops" | "nvm" | "nevermind" | "disregard" | "whoops" => sorry = true,
                "never" | "mind" | "ignore" | "that" | "this" | "it" | "wrong" | "chat"
                | "channel" | "window" | "thread" | "tab" | "my" | "bad" | "typo" | "please"
                | "pls" | "all" | "about" => {}
                _ => return false,
            }
        }
        sorry
            || self.tokens.windows(2).any(|pair| {
                matches!(
                    (pair[0].low, pair[1].low),
                    ("never", "mind") | ("my", "bad") | ("ignore", "that" | "this")
                )
            })
    }

    /// "hi", "help", "what can you do", "thanks": nothing to act on, only a
    /// greeting or a question about kubeop itself.
    fn is_small_talk(&self) -> bool {
        let mut greeting = false;
        let mut about_kubeop = false;
        for token in self.tokens {
            if GREETINGS.contains(&token.low) {
                greeting = true;
                continue;
            }
            match token.w() {
                Some(W::Filler | W::Polite) => {
                    about_kubeop |= matches!(token.low, "you" | "u" | "kubeop");
                }
                Some(
                    W::Question
                    | W::Who
                    | W::Can
                    | W::Do
                    | W::Be
                    | W::And
                    | W::For
                    | W::Okay
                    | W::All,
                ) => {}
                _ => return false,
            }
        }
        greeting
            || about_kubeop
                && self
                    .tokens
                    .iter()
                    .any(|t| matches!(t.w(), Some(W::Question | W::Who)))
    }

    // -------------------------------------------------------------- hand-off

    fn handoff(&self) -> Option<Intent> {
        // Helm words win over what a release installs ("uninstall the
        // prometheus release"), Argo words over what an app runs.
        let first = |wanted: &[W]| {
            (0..self.len())
                .find(|&i| !self.used[i] && self.w(i).is_some_and(|w| wanted.contains(&w)))
        };
        let helm_verb_alone = self
            .changes
            .iter()
            .any(|(_, c)| matches!(c, Change::Install | Change::Uninstall | Change::Upgrade))
            && self.kinds().next().is_none();
        // "roll back the last release of deployment checkout": a release
        // is a rollout of the workload named with its kind, no Helm word.
        let workload_release = !self.has_w_anywhere(&[W::Helm])
            && !self.changes.is_empty()
            && self.tokens.iter().any(|t| {
                matches!(
                    t.kind(),
                    Some((
                        ResourceKind::Deployment
                            | ResourceKind::StatefulSet
                            | ResourceKind::DaemonSet,
                        _
                    ))
                )
            });
        let (at, domain) = if let Some(at) = first(&[W::Helm, W::Release]) {
            if workload_release {
                return None;
            }
            (at, Domain::Helm)
        } else if let Some(at) = first(&[W::Argo, W::Sync, W::Promote]) {
            (at, Domain::App)
        } else if helm_verb_alone {
            (0, Domain::Helm)
        } else if let Some(at) = first(&[W::Observability]) {
            (at, Domain::Observability)
        } else {
            return None;
        };
        // A hand-off word after "after", "since", "when"... is context for an
        // in-scope request ("pods crash after the ArgoCD sync failed").
        let core_kind = self.tokens.iter().any(|t| {
            matches!(
                t.kind(),
                Some((
                    ResourceKind::Pod
                        | ResourceKind::Deployment
                        | ResourceKind::StatefulSet
                        | ResourceKind::DaemonSet
                        | ResourceKind::ReplicaSet
                        | ResourceKind::Job
                        | ResourceKind::CronJob
                        | ResourceKind::Node
                        | ResourceKind::Service
                        | ResourceKind::Event,
                    _
                ))
            ) || t.w() == Some(W::Container)
                // "the crash of postgres-0 after the argocd sync": a pod by its name.
                || (t.lex == Lex::Unknown && t.shape == Shape::Word && looks_like_pod_name(t.low))
                // "Alert: KubePodCrashLooping pod=checkout-7d9f namespace=shop":
                // an alert's labels name the object.
                || (t.shape == Shape::Assign
                    && crate::kinds::lookup_kind_word(t.low)
                        .is_some_and(|(kind, _)| kind == ResourceKind::Pod || kind.has_pods())
                    && t.value.is_some_and(is_name_shaped))
        });
        // An alert named after a pod's failure (KubePodCrashLooping,
        // KubeContainerOOMKilled) reports trouble in scope, unless the alert
        // itself is what is asked about (silenced, acknowledged).
        let failure_alert = self.tokens.iter().any(|t| names_a_pod_failure(t.low))
            && !self.tokens.iter().any(|t| {
                matches!(
                    t.low,
                    "silence" | "silences" | "mute" | "ack" | "acknowledge" | "rule" | "rules"
                )
            });
        let subordinate = self.tokens[..at]
            .iter()
            .any(|t| t.w() == Some(W::After) || t.low == "when");
        let diagnostic = self.has_w_anywhere(&[
            W::Why,
            W::Wrong,
            W::Troubleshoot,
            W::Debug,
            W::Restarts,
            W::Pending,
        ]);
        if core_kind && (subordinate || diagnostic || failure_alert) {
            return None;
        }
        if domain == Domain::Observability && self.alert_fired_about_an_object() {
            return None;
        }
        let reason = match domain {
            Domain::Helm => "Helm charts and releases are handled by the Helm agent.",
            Domain::App => {
                "ArgoCD applications and Argo Rollouts are handled by the application-delivery agent."
            }
            Domain::Observability => {
                "Prometheus, Alertmanager, alerts and silences are handled by the observability agent."
            }
        };
        Some(Intent::Handoff {
            domain,
            reason: reason.to_owned(),
            arguments: self.handoff_arguments(domain),
        })
    }

    /// "the prometheus alert KubePodCrashLooping fired for payment-service",
    /// "alert: KubeDeploymentReplicasMismatch on checkout in prod": an
    /// alert that fired about a Kubernetes object is an incident kubeop
    /// diagnoses (the object after "for"/"on"); managing the alert itself
    /// (silence, acknowledge, its rule, a dashboard, a query, paging) stays
    /// the observability agent's.
    fn alert_fired_about_an_object(&self) -> bool {
        let alert = self
            .tokens
            .iter()
            .any(|t| matches!(t.low, "alert" | "alerts" | "firing" | "fired"));
        let managed = self.tokens.iter().any(|t| {
            matches!(
                t.low,
                "silence"
                    | "silences"
                    | "mute"
                    | "ack"
                    | "acknowledge"
                    | "rule"
                    | "rules"
                    | "alertrule"
                    | "prometheusrule"
                    | "dashboard"
                    | "dashboards"
                    | "query"
                    | "promql"
                    | "page"
                    | "paged"
                    | "threshold"
            )
        }) || self.has_w_anywhere(&[W::Why, W::Change(Change::Other)])
            // ("what alerts are firing for checkout", "show the alerts for
            // web": the alerts themselves asked for.)
            || (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| {
                    matches!(self.w(first), Some(W::Question | W::Read | W::Count | W::Describe))
                });
        alert
            && !managed
            && (0..self.len()).any(|i| {
                self.is_value(i)
                    && !is_namespace_word(self.tokens[i].low)
                    && self
                        .prev_meaningful(i)
                        .is_some_and(|p| matches!(self.w(p), Some(W::For | W::On)))
            })
    }

    /// What a hand-off names, for the agent that receives it: the release,
    /// application, rollout or alert ("rollback the checkout helm release",
    /// "argocd app sync checkout", "silence the HighMemory alert"), and the
    /// namespace and context where given. Never guessed: absent when unsure.
    fn handoff_arguments(&self, domain: Domain) -> Arguments {
        // A value that can name a release, an app or an alert: not a
        // version, a count, a duration, a chart reference or a subcommand
        // ("argocd app diff payments"). A release may be named after what
        // it installs ("the grafana release").
        let subject = |i: usize| {
            let token = self.tokens[i];
            let word = token.shape == Shape::Word
                && !self.used[i]
                && is_name_shaped(token.low)
                && (token.lex == Lex::Unknown
                    || domain == Domain::Helm
                        && matches!(token.w(), Some(W::Observability | W::Argo)));
            word && !token.low.starts_with(|c: char| c.is_ascii_digit())
                && !is_namespace_word(token.low)
                && !HANDOFF_SUBCOMMANDS.contains(&token.low)
        };
        let next_subject = |from: usize| {
            let mut j = self.next_meaningful(from)?;
            if HANDOFF_SUBCOMMANDS.contains(&self.low(j))
                || self.is_w(j, W::For)
                || self.is_w(j, W::Of)
            {
                j = self.next_meaningful(j)?;
            }
            subject(j).then_some(j)
        };
        let noun_at = (0..self.len()).find(|&i| {
            matches!(
                self.low(i),
                "release"
                    | "chart"
                    | "app"
                    | "application"
                    | "rollout"
                    | "rollouts"
                    | "alert"
                    | "silence"
            )
        });
        // "release payments", "the rollout of checkout", else "the checkout
        // helm release", "the HighMemory alert".
        let around_noun = noun_at.and_then(|n| {
            next_subject(n).or_else(|| {
                (0..n)
                    .rev()
                    .find(|&j| !matches!(self.w(j), Some(W::Helm | W::Argo)))
                    .filter(|&j| subject(j))
            })
        });
        // "helm rollback api 3", "argocd app sync checkout", "helm upgrade
        // --install web ./chart": the first value after the tool's verb.
        let after_verb = || {
            (0..self.len()).find(|&j| {
                subject(j)
                    && (0..j)
                        .rev()
                        .find(|&p| !self.is_filler(p) && self.tokens[p].shape != Shape::Flag)
                        .is_some_and(|p| {
                            matches!(
                                self.w(p),
                                Some(W::Change(_) | W::Sync | W::Promote | W::Helm | W::Argo)
                            ) || HANDOFF_SUBCOMMANDS.contains(&self.low(p))
                        })
            })
        };
        // "the helm status of redis", "alerts for checkout", "is checkout
        // in sync": the value the question is about.
        let about = || {
            (0..self.len()).find(|&j| {
                subject(j)
                    && self.prev_meaningful(j).is_some_and(|p| {
                        matches!(self.w(p), Some(W::Of | W::For))
                            || (self.is_w(p, W::Be)
                                && matches!(self.low(j + 1), "in" | "out")
                                && self.tokens[j + 1..]
                                    .iter()
                                    .take(3)
                                    .any(|t| t.w() == Some(W::Sync)))
                    })
            })
        };
        let name_at = around_noun.or_else(after_verb).or_else(about);
        let name = name_at.map(|i| {
            if domain == Domain::Observability {
                self.tokens[i].raw.to_owned()
            } else {
                owned(self.tokens[i].raw)
            }
        });
        // "in argocd", "in grafana" name the tool, not a namespace.
        let tool_word = |word: &str| {
            matches!(
                crate::vocab::lookup(word),
                Lex::W(W::Observability | W::Argo | W::Helm)
            )
        };
        let namespace = self
            .namespace
            .clone()
            .filter(|namespace| !tool_word(namespace))
            .or_else(|| {
                (0..self.len())
                    .find(|&i| {
                        self.is_value(i)
                            && Some(i) != name_at
                            && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::In))
                    })
                    .map(|i| owned(self.tokens[i].raw))
            });
        Arguments {
            name,
            namespace,
            context: self.context.clone(),
            ..Arguments::default()
        }
    }

    // ------------------------------------------------------------- rbac

    fn rbac_audit(&mut self) -> Intent {
        let mut arguments = self.base();
        arguments.name = self.rbac_subject.clone();
        arguments.namespace = self.take_namespace(false, true);
        Intent::Diagnose {
            playbook: Playbook::RbacAudit,
            arguments,
        }
    }

    /// "which pods restarted the most in production", "the pod with the
    /// most restarts": pods ranked by restarts, which the pods list holds
    /// (the answer sorts it: `read_focus`), not a diagnosis of one pod.
    fn restart_ranking(&mut self) -> Option<Intent> {
        if !self.has_w_anywhere(&[W::Most])
            || !self.has_w_anywhere(&[W::Restarts])
            || self.has_w_anywhere(&[W::Why, W::Troubleshoot, W::Debug, W::Wrong])
            || self
                .main_kind()
                .is_some_and(|(_, kind, _)| kind != ResourceKind::Pod)
        {
            return None;
        }
        let namespace = if self.all_namespaces {
            None
        } else {
            self.take_namespace(false, true)
        };
        let tool = if namespace.is_some() {
            Tool::PodsListInNamespace
        } else {
            Tool::PodsList
        };
        Some(Intent::ReadOnly {
            tool,
            arguments: Arguments {
                namespace,
                ..self.base()
            },
        })
    }

    // ---------------------------------------------------------- diagnosis

    fn diagnosis(&mut self) -> Option<Intent> {
        // "when was checkout last restarted", "when did web-1 crash": a
        // time asked, which the object's own state records.
        if (0..self.len())
            .find(|&i| !self.is_filler(i))
            .is_some_and(|first| self.low(first) == "when")
        {
            return None;
        }
        let pressure = self.is_pressure();
        let why = self.has_w_anywhere(&[W::Why]);
        let troubleshoot = self.has_w_anywhere(&[W::Troubleshoot, W::Debug]);
        // "checkout is down!": a statement of trouble ("is web down?" asks).
        // ("checkout down!!!", "web down in prod": the same without "is",
        // its subject first.)
        let first = (0..self.len()).find(|&i| !self.is_filler(i));
        let down_subject = first.filter(|&first| {
            self.is_value(first)
                && self.next_meaningful(first).is_some_and(|next| {
                    self.is_w(next, W::Down)
                        && self
                            .next_meaningful(next)
                            .is_none_or(|after| self.is_w(after, W::In))
                })
        });
        let down = down_subject.is_some()
            || first
                .is_some_and(|first| !self.is_w(first, W::Be) && !self.is_w(first, W::Question))
                && self
                    .tokens
                    .windows(2)
                    .any(|pair| pair[0].w() == Some(W::Be) && pair[1].w() == Some(W::Down));
        // (An alert that reaches the diagnosis fired about an object; a
        // hand-off's `health=Degraded` reports trouble.)
        let wrong = down
            || self.tokens.iter().any(|t| {
                t.shape == Shape::Assign
                    && t.value.is_some_and(|value| {
                        ["degraded", "unhealthy", "failed", "failing", "crashloopbackoff"]
                            .iter()
                            .any(|state| value.eq_ignore_ascii_case(state))
                    })
            })
            || self.has_w_anywhere(&[W::Wrong, W::Restarts])
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "alert" | "firing" | "fired"))
            || self.tokens.iter().any(|t| names_a_pod_failure(t.low))
            || self.tokens.windows(2).any(|pair| {
                // "what's going on with web", "what's up with checkout".
                (matches!(pair[0].low, "going" | "goin") && pair[1].low == "on")
                    || (pair[0].low == "up" && pair[1].w() == Some(W::With))
            })
            || self.tokens.windows(2).any(|pair| {
                matches!(pair[0].w(), Some(W::Not | W::Do | W::Can))
                    && matches!(pair[1].w(), Some(W::Change(Change::Start | Change::Run)))
            })
            // "the reports pods never become ready": a readiness that never comes.
            || (0..self.len()).any(|i| {
                self.low(i) == "never"
                    && (self.low(i + 1) == "ready"
                        || (matches!(self.low(i + 1), "become" | "becomes" | "get" | "gets")
                            && self.low(i + 2) == "ready"))
            });
        let pending = self.has_w_anywhere(&[W::Pending]);
        let explicit_read = self.has_w_anywhere(&[W::Logs, W::Top, W::Describe, W::Tail, W::Count])
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.kind(), Some((ResourceKind::Event, _))))
            || self.rollout_read;
        // "what's wrong with the payment pods" asks for a diagnosis, though
        // it opens like a list ("what pods...").
        let whats_wrong = (0..self.len()).any(|i| {
            self.low(i) == "wrong"
                && self.prev_meaningful(i).is_some_and(|p| {
                    self.is_w(p, W::Question)
                        || (self.is_w(p, W::Be)
                            && self
                                .prev_meaningful(p)
                                .is_some_and(|q| self.is_w(q, W::Question)))
                })
        });
        let listing = !whats_wrong
            && self.has_w_anywhere(&[W::Read, W::Question])
            && self
                .kinds()
                .any(|(_, _, number)| number != Number::Singular);
        // "how many pods are failing": counted from the same troubled list.
        let read_besides_count = self.has_w_anywhere(&[W::Logs, W::Top, W::Describe, W::Tail])
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.kind(), Some((ResourceKind::Event, _))))
            || self.rollout_read;
        if listing
            && wrong
            && !why
            && !troubleshoot
            && !read_besides_count
            && let Some(intent) = self.troubled_list()
        {
            return Some(intent);
        }
        if let Some(intent) = self.limits_read() {
            return Some(intent);
        }
        if pressure && !explicit_read {
            let mut arguments = self.base();
            let kind_at = self.main_kind().map(|(i, _, _)| i);
            arguments.name = self.take_name(kind_at, false).or_else(|| {
                // "the limits of checkout": the workload, unless a namespace's name.
                self.take_value_at(Place::Of, kind_at, |token| {
                    !is_namespace_word(token.low)
                        && !is_node_name_shaped(token.low)
                        && !is_quantity(token.raw)
                })
            });
            // "is node-1 under memory pressure": the nodes' conditions are
            // the health overview's.
            if arguments.name.is_none()
                && kind_at.is_none()
                && self.namespace.is_none()
                && (0..self.len())
                    .any(|i| self.is_value(i) && is_node_name_shaped(self.tokens[i].low))
            {
                return Some(Intent::HealthCheck {
                    arguments: self.base(),
                });
            }
            arguments.namespace = self.take_namespace(false, true);
            if arguments.name.is_none()
                && let Some(i) = self.leftover_value()
                && matches!(self.place(i, None), Place::AfterVerb | Place::Other)
            {
                let value = owned(self.tokens[i].raw);
                let slow = self.tokens.iter().any(|t| {
                    matches!(
                        t.low,
                        "slow" | "sluggish" | "laggy" | "throttled" | "throttling"
                    )
                });
                // "checkout limits", "checkout's memory usage": its owner.
                // "is checkout near its memory limit": a namespace has a
                // quota, a workload has limits.
                let owner = self
                    .next_meaningful(i)
                    .is_some_and(|n| matches!(self.w(n), Some(W::Limits | W::Usage)))
                    || (self.has_w_anywhere(&[W::Limits])
                        && !self.kinds().any(|(_, kind, _)| {
                            matches!(kind, ResourceKind::ResourceQuota | ResourceKind::LimitRange)
                        }));
                if (slow || owner || arguments.namespace.is_some()) && !is_namespace_word(&value) {
                    // "checkout is slow", "what limits does checkout have in
                    // production": the workload.
                    self.use_token(i);
                    arguments.name = Some(value);
                } else if arguments.namespace.is_none() {
                    // "is staging over its quota?"
                    self.use_token(i);
                    arguments.namespace = Some(value);
                }
            }
            return Some(Intent::Diagnose {
                playbook: Playbook::ResourcePressure,
                arguments,
            });
        }
        let asks_diagnosis =
            why || troubleshoot || ((wrong || pending) && !explicit_read && !listing);
        if !asks_diagnosis || (explicit_read && !why && !troubleshoot) {
            return None;
        }
        if !why && !troubleshoot && self.is_cluster_scope() {
            return None;
        }
        // "why is the report-archive pvc pending": a claim waits for a
        // volume, not a pod for a node: its state and events tell why.
        // (A change word anywhere keeps it a diagnosis: never a read then.)
        if let Some((k, ResourceKind::PersistentVolumeClaim, Number::Singular | Number::Short)) =
            self.main_kind()
            && !self
                .tokens
                .iter()
                .any(|t| matches!(t.w(), Some(W::Change(_))))
            && let Some(name) = self.take_name(Some(k), true)
        {
            let namespace = self.take_namespace(false, true);
            return Some(self.object_read(ResourceKind::PersistentVolumeClaim, name, namespace));
        }
        let mut arguments = self.base();
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        // "my app", "the service", "pod": the request is about one object, even unnamed.
        let about_an_object = self.tokens.iter().any(|t| {
            matches!(t.kind(), Some((kind, _)) if kind != ResourceKind::Namespace)
                || matches!(
                    t.low,
                    "app" | "application" | "service" | "workload" | "container" | "job"
                )
        });
        arguments.name = self.app_label_name().or_else(|| {
            self.take_name(kind_at, true)
                .or_else(|| Some(self.take_value(down_subject?)))
        });
        // "why is my new checkout image not rolling out": the workload
        // whose image it is.
        if arguments.name.is_none()
            && let Some(image) = self.image.as_deref()
            && is_name_shaped(image)
            && !is_namespace_word(image)
        {
            arguments.name = Some(image.to_ascii_lowercase());
        }
        if arguments.name.is_none()
            && let Some((k, ResourceKind::Pod, Number::Plural)) = self.main_kind()
        {
            // "why are the payment pods failing": the pods of payment.
            arguments.name = self.workload_before_pods(k);
        }
        // "why are no new jobs created by cronjob sync": the object named
        // with its own kind, after the kind of what it makes.
        let named_kind = self
            .kinds()
            .find(|&(k, _, number)| Some(k) != kind_at && number != Number::Plural)
            .map(|(k, _, _)| k);
        if arguments.name.is_none()
            && let Some(k) = named_kind
        {
            arguments.name = self.take_name(Some(k), false);
        }
        arguments.namespace = self.take_namespace(false, true);
        // "imagepullbackoff on report-generator", "image pull error on
        // checkout": what a pod's symptom or any trouble is "on" is the
        // object having it ("in" stays the namespace: "oomkilled in prod"),
        // unless a namespace's usual name or the namespace word follows.
        if arguments.name.is_none()
            && let Some(namespace) = arguments.namespace.as_deref()
            && !is_namespace_word(namespace)
            && (0..self.len().saturating_sub(2)).any(|i| {
                (is_pod_symptom(self.low(i)) || self.is_w(i, W::Wrong))
                    && self.is_w(i + 1, W::On)
                    && self.low(i + 2) == namespace
                    && self
                        .tokens
                        .get(i + 3)
                        .is_none_or(|t| !matches!(t.kind(), Some((ResourceKind::Namespace, _))))
            })
        {
            arguments.name = arguments.namespace.take();
        }
        if !about_an_object
            && arguments.namespace.is_none()
            && arguments.name.as_deref().is_some_and(is_namespace_word)
        {
            // "what's wrong with production": the namespace, not a pod named so.
            arguments.namespace = arguments.name.take();
        }
        let many = self
            .main_kind()
            .is_some_and(|(_, _, number)| number == Number::Plural);
        // "root cause for the crashloop in checkout", "why are pods not
        // scheduling in batch": a pod's own failure, named by its symptom,
        // is the pod playbook's (it finds the failing pod when none is named).
        // "pods stuck pending in staging": a complaint, not a list.
        let complaint = why || troubleshoot || self.low_any("stuck");
        let pod_symptom =
            complaint && (pending || self.tokens.iter().any(|t| is_pod_symptom(t.low)));
        if (!about_an_object || many) && arguments.name.is_none() && !pod_symptom {
            // "is anything broken", "any problems in staging?", "what's wrong
            // with the pods in prod": nothing in particular is named, so the
            // overview answers it.
            return Some(Intent::HealthCheck {
                arguments: Arguments {
                    namespace: arguments.namespace,
                    ..self.base()
                },
            });
        }
        Some(Intent::Diagnose {
            playbook: Playbook::PodFailure,
            arguments,
        })
    }

    /// "how much memory does worker-1 have", "allocatable cpu on worker-1",
    /// "how many cpus does the cluster have", "node capacity": a node's size
    /// (its capacity and allocatable), which the Node object holds, not its
    /// usage (`nodes_top`) nor a pressure to diagnose. A node named is read,
    /// else every node. "how much memory does checkout have" asks a
    /// workload's limits, which the pressure playbook reads against usage.
    fn node_capacity(&mut self) -> Option<Intent> {
        // One pass for the words without which this is no size question
        // (most requests stop here).
        let (mut sized, mut has) = (false, false);
        for i in 0..self.len() {
            match self.low(i) {
                "allocatable" | "capacity" | "total" => sized = true,
                "have" | "has" => has = true,
                _ => {}
            }
        }
        if !sized && !has {
            return None;
        }
        let resource = (0..self.len()).any(|i| {
            matches!(
                self.low(i),
                "cpu" | "cpus" | "memory" | "mem" | "ram" | "cores" | "resources"
            )
        });
        // ("capacity of worker-1", "node capacity": a node's size as a whole.)
        let about_nodes = || {
            self.kinds().any(|(_, kind, _)| kind == ResourceKind::Node)
                || (0..self.len())
                    .any(|i| self.is_value(i) && is_node_name_shaped(self.tokens[i].raw))
        };
        if !resource && !about_nodes() {
            return None;
        }
        let asks = (0..self.len())
            .find(|&i| !self.is_filler(i))
            .is_some_and(|first| self.is_w(first, W::Question));
        let possessed = asks && has;
        let used = (0..self.len()).any(|i| {
            matches!(
                self.low(i),
                "using" | "use" | "uses" | "used" | "usage" | "consuming" | "left" | "free"
                    | "remaining" | "requests" | "requested" | "limits" | "pressure"
                    // "do we have enough cpu capacity": headroom, diagnosed.
                    | "enough" | "spare" | "headroom" | "room"
            )
        });
        if !((resource && (sized || possessed)) || (sized && about_nodes()))
            || used
            || self.has_w_anywhere(&[W::Why, W::Wrong, W::Near])
        {
            return None;
        }
        if self.kinds().any(|(_, kind, _)| kind != ResourceKind::Node) {
            return None;
        }
        let node_at =
            (0..self.len()).find(|&i| self.is_value(i) && is_node_name_shaped(self.tokens[i].raw));
        let other_value = (0..self.len())
            .find(|&i| self.is_value(i) && Some(i) != node_at && !is_namespace_word(self.low(i)));
        for i in 0..self.len() {
            if matches!(self.low(i), "allocatable" | "capacity" | "have" | "has")
                || matches!(self.tokens[i].kind(), Some((ResourceKind::Node, _)))
            {
                self.use_token(i);
            }
        }
        match (node_at, other_value) {
            (Some(i), _) => {
                let name = self.take_value(i);
                Some(self.object_read(ResourceKind::Node, name, None))
            }
            // "how much memory does checkout have in prod": its limits.
            (None, Some(i)) if possessed => {
                let mut arguments = self.base();
                arguments.name = Some(self.take_value(i));
                arguments.namespace = self.take_namespace(false, true);
                Some(Intent::Diagnose {
                    playbook: Playbook::ResourcePressure,
                    arguments,
                })
            }
            (None, Some(_)) => None,
            (None, None) => Some(Intent::ReadOnly {
                tool: Tool::ResourcesList,
                arguments: Arguments {
                    api_version: Some(Cow::Borrowed(ResourceKind::Node.api_version())),
                    kind: Some(Cow::Borrowed(ResourceKind::Node.kind())),
                    ..self.base()
                },
            }),
        }
    }

    /// "show unhealthy pods", "which pods restarted recently", "list failing
    /// pods in prod": a list of the pods (or workloads) in trouble, which is
    /// what the health overview shows. A list filter cannot answer it: a
    /// crash-looping pod's phase is still `Running`. "failed pods" stays a
    /// read (`status.phase=Failed`), and a named object is a diagnosis.
    fn troubled_list(&mut self) -> Option<Intent> {
        let (kind_at, kind, _) = self.main_kind()?;
        if !matches!(
            kind,
            ResourceKind::Pod
                | ResourceKind::Deployment
                | ResourceKind::StatefulSet
                | ResourceKind::DaemonSet
                | ResourceKind::ReplicaSet
                | ResourceKind::Job
        ) || self.phase_selector().is_some()
            // "list pods sorted by restarts": every pod, in an order.
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "sorted" | "sort" | "ordered" | "order"))
        {
            return None;
        }
        let named = (0..self.len()).any(|i| {
            self.is_value(i)
                && !matches!(
                    self.place(i, Some(kind_at)),
                    Place::In | Place::BeforePlural
                )
        });
        if named {
            return None;
        }
        let namespace = if self.all_namespaces {
            None
        } else {
            self.take_namespace(false, false)
        };
        Some(Intent::HealthCheck {
            arguments: Arguments {
                namespace,
                ..self.base()
            },
        })
    }

    /// "show the resource limits of payment-service", "what are the requests
    /// and limits of checkout", "what's the memory limit on web", "how much
    /// memory is checkout allowed": one workload's own limits and requests,
    /// which its read shows container by container. Limits held against
    /// usage ("is checkout near its memory limit", "checkout is slow"), and
    /// the limits of a namespace or of every pod, stay the pressure
    /// playbook's; a workload named without its kind is read as a
    /// Deployment (a wrong guess only reads).
    fn limits_read(&mut self) -> Option<Intent> {
        let limits = self.has_w_anywhere(&[W::Limits]);
        if !(limits || (self.says("allowed") && self.says("much"))) {
            return None;
        }
        if !self.changes.is_empty()
            || self.has_w_anywhere(&[
                W::Near,
                W::Pressure,
                W::Capacity,
                W::Why,
                W::Wrong,
                W::Troubleshoot,
                W::Debug,
            ])
            || self.tokens.iter().any(|t| {
                matches!(
                    t.low,
                    "usage"
                        | "consumption"
                        | "utilization"
                        | "utilisation"
                        | "consuming"
                        | "using"
                        | "used"
                        | "uses"
                        | "slow"
                        | "throttled"
                        | "throttling"
                        | "enough"
                        | "vs"
                        | "versus"
                        | "than"
                        | "without"
                        | "no"
                )
            })
        {
            return None;
        }
        let main = self.main_kind();
        let kind_at = match main {
            None => None,
            Some((k, kind, Number::Singular | Number::Short))
                if kind.has_pods() || kind == ResourceKind::Pod =>
            {
                Some(k)
            }
            Some(_) => return None,
        };
        let object = |token: &Token<'_>| {
            !is_namespace_word(token.low)
                && !is_node_name_shaped(token.low)
                && !is_quantity(token.raw)
        };
        // "limits of checkout", "requests for api", "the memory limit on
        // web", "how much memory is checkout allowed".
        let name = self
            .take_name(kind_at, false)
            .or_else(|| self.take_value_at(Place::Of, kind_at, object))
            .or_else(|| {
                let i = (0..self.len()).find(|&i| {
                    self.is_value(i)
                        && object(&self.tokens[i])
                        && (self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
                            || matches!(self.place(i, kind_at), Place::AfterVerb | Place::Other))
                })?;
                Some(self.take_value(i))
            })?;
        if let Some(k) = kind_at {
            self.use_token(k);
        }
        let namespace = self.take_namespace(false, true);
        let kind = match main {
            Some((_, kind, _)) => kind,
            None if looks_like_pod_name(&name) => ResourceKind::Pod,
            None => ResourceKind::Deployment,
        };
        Some(self.object_read(kind, name, namespace))
    }

    /// Limits against usage, quotas, throttling, capacity, scheduling bottlenecks.
    fn is_pressure(&self) -> bool {
        let pressure = self.has_w_anywhere(&[W::Pressure, W::Capacity]);
        let limits = self.has_w_anywhere(&[W::Limits]);
        let near = self.has_w_anywhere(&[W::Near]);
        let usage = self.has_w_anywhere(&[W::Usage]);
        let quota = self
            .tokens
            .iter()
            .any(|t| matches!(t.kind(), Some((ResourceKind::ResourceQuota, _))));
        let running_out = self
            .tokens
            .windows(2)
            .any(|w| w[0].low == "out" && w[1].low == "of")
            && (usage || self.has_w_anywhere(&[W::Running]));
        // "show the resource limits of checkout": limits are read against usage.
        pressure
            || (limits && (near || usage || self.has_w_anywhere(&[W::Question, W::Read])))
            || (quota && (near || self.has_w_anywhere(&[W::Wrong])))
            || running_out
    }

    /// "is checkout up", "is the checkout service working", "is deployment
    /// web ok in shop": whether one named thing works, asked yes or no, is
    /// the diagnosis of that name (its playbook answers a healthy object as
    /// no failure), never a plain read that leaves the judgement to the
    /// reader. A namespace's usual name, a numbered node or the cluster is
    /// the health overview's.
    fn whether_it_works(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        if !self.is_w(first, W::Be) {
            return None;
        }
        let state = (first + 1..self.len()).find(|&j| {
            matches!(
                self.low(j),
                "up" | "working"
                    | "ok"
                    | "okay"
                    | "fine"
                    | "healthy"
                    | "alright"
                    | "functioning"
                    | "serving"
                    | "available"
            )
        })?;
        let subject = (first + 1..state).find(|&i| self.is_value(i))?;
        let word = self.tokens[subject].raw;
        if is_namespace_word(&word.to_ascii_lowercase())
            || is_node_name_shaped(word)
            || self.has_w_anywhere(&[W::Cluster])
            || self.kinds().any(|(k, kind, number)| {
                number == Number::Plural
                    || !(kind == ResourceKind::Pod
                        || kind == ResourceKind::Service
                        || kind.has_pods())
                    || !(first..state).contains(&k)
            })
        {
            return None;
        }
        for k in (first + 1..state).filter(|&k| self.tokens[k].kind().is_some()) {
            self.use_token(k);
        }
        let mut arguments = self.base();
        arguments.name = Some(self.take_value(subject));
        arguments.namespace = self.take_namespace(false, true);
        Some(Intent::Diagnose {
            playbook: Playbook::PodFailure,
            arguments,
        })
    }

    /// Whether the request asks how the control plane or the API server is
    /// doing ("is the apiserver up", "control plane status"), rather than
    /// for its logs, its usage or a kind of object on it ("control plane
    /// nodes").
    fn asks_control_plane_health(&self) -> bool {
        let named = self.tokens.iter().enumerate().any(|(i, t)| {
            matches!(
                t.low,
                "control-plane" | "controlplane" | "kube-apiserver" | "apiserver"
            ) || (t.low == "control" && self.low(i + 1) == "plane")
        });
        named
            && self.kinds().next().is_none()
            && !self.has_w_anywhere(&[
                W::Logs,
                W::Tail,
                W::Top,
                W::Usage,
                W::Describe,
                W::Warning,
                W::Happened,
            ])
            && (self.has_w_anywhere(&[
                W::Health,
                W::Okay,
                W::Status,
                W::Wrong,
                W::Down,
                W::Up,
                W::Running,
            ]) || (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| matches!(self.w(first), Some(W::Be | W::Read))))
    }

    /// Whether the request is about the whole cluster (a health question).
    fn is_cluster_scope(&self) -> bool {
        self.has_w_anywhere(&[W::Cluster]) && self.kinds().next().is_none()
    }

    // -------------------------------------------------------------- health

    fn health(&mut self) -> Option<Intent> {
        if self.rollout_read {
            // "how is the rollout of checkout doing": the workload, read.
            return None;
        }
        if let Some(intent) = self.whether_it_works() {
            return Some(intent);
        }
        let health = self.has_w_anywhere(&[W::Health]);
        // ("everything ok?", "all good?": the whole, asked in two words.)
        let okay = self.has_w_anywhere(&[W::Okay])
            && (self.has_w_anywhere(&[W::Be, W::Question, W::Cluster])
                || (self.len() <= 3 && self.has_w_anywhere(&[W::All])));
        // ("is the cluster down", "the site is down": the whole, in trouble.)
        let cluster_status = self.has_w_anywhere(&[W::Cluster])
            && (self.has_w_anywhere(&[W::Status, W::Wrong, W::Down]) || okay)
            && self.kinds().next().is_none();
        // "how is the cluster doing", "how's prod looking".
        let doing = self
            .tokens
            .first()
            .is_some_and(|t| matches!(t.low, "how" | "hows"))
            && (self.has_w_anywhere(&[W::Cluster, W::Okay])
                || self
                    .tokens
                    .iter()
                    .any(|t| matches!(t.low, "things" | "doing" | "looking")))
            && self.kinds().next().is_none();
        // "is postgres ok in db", "is checkout fine?": a workload's health
        // asked in plain words (not "ready" or "bound", which are states read).
        // ("is X ok" and "whether X is ok"; a numbered node's state is read.)
        let subject = |this: &Self, i: usize| {
            this.is_value(i)
                && !(is_node_name_shaped(this.tokens[i].raw)
                    && this.low(i).bytes().any(|b| b.is_ascii_digit()))
        };
        let fine = (0..self.len()).any(|j| {
            matches!(
                self.low(j),
                "ok" | "okay" | "fine" | "alright" | "good" | "green"
            ) && self.prev_meaningful(j).is_some_and(|p| {
                (subject(self, p) && self.prev_meaningful(p).is_some_and(|b| self.is_w(b, W::Be)))
                    || (self.is_w(p, W::Be)
                        && self.prev_meaningful(p).is_some_and(|v| subject(self, v)))
            })
        }) && self.kinds().next().is_none();
        // "status of namespace shop", "the shop namespace's status": a
        // namespace's status is the health of what runs in it.
        let namespace_status = self.has_w_anywhere(&[W::Status])
            && self.namespace.is_some()
            && self.tokens.iter().any(|t| {
                matches!(
                    t.kind(),
                    Some((ResourceKind::Namespace, Number::Singular | Number::Short))
                )
            })
            && self.tokens.iter().all(|t| {
                t.kind()
                    .is_none_or(|(kind, _)| kind == ResourceKind::Namespace)
            });
        if !(health
            || cluster_status
            || namespace_status
            || doing
            || fine
            || (okay
                && self.kinds().all(|(_, kind, number)| {
                    kind == ResourceKind::Namespace && number != Number::Plural
                })
                && (self.has_w_anywhere(&[W::Cluster, W::All])
                    // "is prod ok", "staging looking good?": a common
                    // namespace word is the whole subject.
                    || self
                        .leftover_value()
                        .is_some_and(|i| is_namespace_word(self.tokens[i].low))
                    // "is the monitoring namespace ok".
                    || self.kinds().next().is_some())))
        {
            return None;
        }
        // "is pod x healthy": a question about one object is a diagnosis.
        if let Some((k, kind, Number::Singular | Number::Short)) = self.main_kind()
            && kind != ResourceKind::Namespace
            && kind != ResourceKind::Node
        {
            let mut arguments = self.base();
            arguments.name = self.take_name(Some(k), true);
            arguments.namespace = self.take_namespace(false, true);
            return Some(Intent::Diagnose {
                playbook: Playbook::PodFailure,
                arguments,
            });
        }
        let mut arguments = self.base();
        arguments.namespace = self.take_namespace(false, true);
        // "is checkout healthy in production": with the namespace given,
        // the subject is a workload, whose pods the pod playbook checks.
        // "is checkout healthy?" with no namespace: "is X healthy" asks
        // about a workload unless X is a namespace's usual name (the
        // workflow reads it in the session's namespace).
        // ("tell me whether checkout is healthy", "check if web is ok":
        // the question asked inside the request.)
        let asked_inside = |this: &Self, i: usize| {
            (0..i)
                .rev()
                .find(|&p| this.low(p) != "the")
                .is_some_and(|p| matches!(this.low(p), "if" | "whether"))
        };
        let place_of_subject = |this: &Self, i: usize| match this.place(i, None) {
            Place::AfterVerb => true,
            Place::Of => arguments.namespace.is_some(),
            _ => asked_inside(this, i),
        };
        if (arguments.namespace.is_some()
            || self.leftover_value().is_some_and(|i| asked_inside(self, i))
            || (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| {
                    self.is_w(first, W::Be) || matches!(self.low(first), "how" | "hows")
                }))
            && self.kinds().next().is_none()
            && let Some(i) = self.leftover_value()
            && place_of_subject(self, i)
            && !is_namespace_word(self.tokens[i].low)
            && !self.has_w_anywhere(&[W::Cluster, W::All])
        {
            arguments.name = Some(self.take_value(i));
            return Some(Intent::Diagnose {
                playbook: Playbook::PodFailure,
                arguments,
            });
        }
        if arguments.namespace.is_none()
            && let Some(i) = self.leftover_value()
            && !self.has_w_anywhere(&[W::Cluster])
            && !is_node_name_shaped(self.tokens[i].raw)
        {
            // "is staging healthy", "health check of payments".
            self.use_token(i);
            arguments.namespace = Some(owned(self.tokens[i].raw));
        }
        Some(Intent::HealthCheck { arguments })
    }

    // ------------------------------------------------------- debug pods

    /// "I need a debug pod in staging", "network test from payments": a
    /// debug pod asked for without a launch verb.
    fn debug_pod_request(&mut self) -> Option<Intent> {
        // "can the cart pod talk to redis", "can api-0 connect to db:5432".
        let connects_to = || {
            (0..self.len()).any(|i| {
                matches!(self.low(i), "talk" | "talks" | "connect" | "connects")
                    && self.is_w(i + 1, W::To)
            })
        };
        let network = self.has_w_anywhere(&[W::Network]) || connects_to();
        let busybox = self.has_w_anywhere(&[W::Busybox]);
        // "a debug pod" (an adjective before "pod"), not "debug my failing pod".
        let debug_pod = self.tokens.windows(2).any(|pair| {
            pair[0].w() == Some(W::Debug)
                && matches!(pair[1].kind(), Some((ResourceKind::Pod, Number::Singular)))
        }) && !self.has_w_anywhere(&[W::Wrong, W::Why, W::Restarts, W::Pending])
            && self.take_peek_name().is_none();
        let test = self
            .tokens
            .iter()
            .any(|t| matches!(t.low, "test" | "tests" | "testing"));
        // "is dns working", "can pods in staging reach the api service?": a
        // question only a test from inside the cluster answers.
        // ("dns not working in shop": a symptom asks it too.)
        let asks =
            self.has_w_anywhere(&[W::Be, W::Do, W::Can, W::Question, W::Read, W::Why, W::Wrong]);
        let network_question = asks && self.tokens.iter().any(|t| is_network_test_word(t.low))
            // "nslookup api.shop in shop": the test tool, as a command.
            || (0..self.len()).find(|&i| !self.is_filler(i)).is_some_and(|first| {
                matches!(
                    self.low(first),
                    "nslookup" | "dig" | "ping" | "curl" | "wget" | "traceroute"
                )
            });
        if !((network && (test || network_question || self.has_w_anywhere(&[W::Debug])))
            || busybox
            || debug_pod)
        {
            return None;
        }
        if network
            && !busybox
            && !debug_pod
            && let Some(source) = self.tested_from_pod()
        {
            return Some(self.test_in_pod(source));
        }
        Some(self.run_debug_pod(network))
    }

    /// "can the checkout pod reach postgres on 5432", "from pod api-0 can
    /// you reach redis", "can pod web-1 resolve db": a test whose source is
    /// a pod the request names (as a pod) — the name's index, or the pod
    /// word's own for `pod/x`. Only that pod answers it: its labels are
    /// what NetworkPolicies select and its namespace's DNS search path is
    /// what its lookups use, so a debug pod beside it would answer another
    /// question. ("can checkout reach postgres", with no pod named, keeps
    /// the debug pod of its namespace.)
    fn tested_from_pod(&self) -> Option<usize> {
        let pod_at = (0..self.len()).find(|&k| {
            !self.used[k]
                && matches!(
                    self.tokens[k].kind(),
                    Some((ResourceKind::Pod, Number::Singular | Number::Short))
                )
        });
        // "test connectivity from web-1 to postgres:5432": a pod's own
        // generated name after "from" is that pod, never a namespace.
        let Some(pod_at) = pod_at else {
            return (0..self.len()).find(|&i| {
                self.is_value(i)
                    && looks_like_pod_name(self.tokens[i].low)
                    && self
                        .prev_meaningful(i)
                        .is_some_and(|p| self.is_w(p, W::From))
            });
        };
        let name_at = if self.tokens[pod_at].value.is_some() {
            pod_at
        } else {
            pod_at
                .checked_sub(1)
                .filter(|&p| self.is_value(p))
                .or_else(|| self.value_after(pod_at))?
        };
        let test_verb = (0..self.len()).find(|&i| {
            matches!(
                self.low(i),
                "reach" | "connect" | "talk" | "resolve" | "ping" | "access" | "hit" | "curl"
            )
        });
        let first = name_at.min(pod_at);
        // "from pod api-0", "is dns working in the api-0 pod".
        let from = self
            .prev_meaningful(first)
            .is_some_and(|p| matches!(self.w(p), Some(W::From | W::In)));
        (from || test_verb.is_some_and(|verb| first < verb)).then_some(name_at)
    }

    /// The network test run in the pod it is asked from (an exec, planned
    /// and approved like any other; the workflow resolves a workload's name
    /// to its pod).
    fn test_in_pod(&mut self, name_at: usize) -> Intent {
        let name = match self.tokens[name_at].value {
            Some(value) => owned(value),
            None => owned(self.tokens[name_at].raw),
        };
        self.use_token(name_at);
        for k in 0..self.len() {
            if matches!(self.tokens[k].kind(), Some((ResourceKind::Pod, _))) {
                self.use_token(k);
            }
        }
        self.command = self.network_command();
        self.exec_in(name)
    }

    /// "cat /etc/resolv.conf in pod web-0", "curl http://checkout from pod
    /// web-0", "nslookup kubernetes.default from web-0 in prod": a command
    /// line typed without a verb, in an existing pod. A network test with no
    /// pod of its own ("nslookup api in shop") is left to a debug pod.
    fn command_in_pod(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        let command = self.low(first);
        let network_tool = matches!(
            command,
            "nslookup" | "dig" | "curl" | "wget" | "ping" | "traceroute" | "nc" | "telnet"
        );
        let argument_follows = self
            .tokens
            .get(first + 1)
            .is_some_and(|t| t.low.starts_with(['/', '-']));
        let in_pod_command = matches!(
            command,
            "cat" | "printenv" | "df" | "du" | "whoami" | "hostname" | "ps" | "netstat" | "uname"
        ) || (command == "ls" && argument_follows);
        if !(network_tool || in_pod_command) {
            return None;
        }
        // The pod: "pod x", or "from x" (where a test runs from), or, for a
        // command that only makes sense in a pod, "in/on x".
        let pod_word = (0..self.len()).find(|&i| {
            matches!(
                self.tokens[i].kind(),
                Some((ResourceKind::Pod, Number::Singular | Number::Short))
            )
        });
        let from_value = (0..self.len()).find(|&i| {
            self.is_value(i)
                && self
                    .prev_meaningful(i)
                    .is_some_and(|p| self.is_w(p, W::From))
                && !is_namespace_word(self.tokens[i].low)
        });
        if pod_word.is_none() && from_value.is_none() && !in_pod_command {
            return None;
        }
        let command_words = self.command_words_from(first)?;
        self.command = Some(command_words);
        let name = match (pod_word, from_value) {
            (Some(k), _) => self.take_name(Some(k), true),
            (None, Some(i)) => Some(self.take_value(i)),
            (None, None) => self.pod_after_in(),
        };
        let Some(name) = name else {
            return Some(Self::missing_name(
                Some(ResourceKind::Pod),
                "run the command in",
            ));
        };
        Some(self.exec_in(name))
    }

    /// A name placed strongly, without consuming it.
    fn take_peek_name(&self) -> Option<usize> {
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        (0..self.len()).filter(|&i| self.is_value(i)).find(|&i| {
            matches!(
                self.place(i, kind_at),
                Place::Named | Place::AfterKind | Place::BeforeKind
            )
        })
    }

    fn run_debug_pod(&mut self, network: bool) -> Intent {
        let mut arguments = self.base();
        arguments.image = Some(self.debug_image(network));
        if network && self.command.is_none() {
            self.command = self.network_command();
        }
        arguments.command = self.command.take();
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        arguments.name = self.take_name(kind_at, false);
        arguments.namespace = self.take_namespace(true, true);
        arguments.port = self.port;
        Intent::Mutation {
            operation: Operation::Run,
            tool: Tool::PodsRun,
            arguments,
            kind_defaulted: false,
        }
    }

    /// The debug pod's image: the one named ("run busybox and nslookup..."),
    /// else netshoot for a network test, else busybox.
    fn debug_image(&self, network: bool) -> String {
        if let Some(image) = &self.image {
            return image.clone();
        }
        if self.has_w_anywhere(&[W::Busybox]) || !network {
            DEBUG_IMAGE.to_owned()
        } else {
            NETWORK_DEBUG_IMAGE.to_owned()
        }
    }

    /// The test a network debug pod runs (`command`, executed in the pod
    /// once it runs): the one written ("nslookup kubernetes.default", "curl
    /// http://api:8080"), else a DNS lookup or an HTTP request to the named
    /// service, else a lookup of the cluster's own API service.
    fn network_command(&mut self) -> Option<Vec<String>> {
        if let Some(at) = (0..self.len()).find(|&i| {
            !self.used[i]
                && matches!(
                    self.low(i),
                    "nslookup" | "dig" | "ping" | "curl" | "wget" | "traceroute" | "nc"
                )
        }) {
            let mut words = vec![self.low(at).to_owned()];
            self.use_token(at);
            for j in at + 1..self.len() {
                let token = self.tokens[j];
                let ends = matches!(token.shape, Shape::Chain | Shape::Pipe)
                    || self.used[j]
                    || matches!(
                        token.w(),
                        Some(W::In | W::From | W::And | W::Then | W::Using)
                    );
                if ends {
                    break;
                }
                // "curl against checkout:8080": English around the command.
                // ("a curl test against X": the test is no argument.)
                if token.shape == Shape::Word
                    && (matches!(token.low, "against" | "test" | "check")
                        || token.w() == Some(W::To))
                {
                    self.use_token(j);
                    continue;
                }
                words.push(match token.shape {
                    Shape::Flag | Shape::Assign => token.full.to_owned(),
                    _ => token.raw.to_owned(),
                });
                self.use_token(j);
            }
            return Some(words);
        }
        let asks_a_test = self
            .tokens
            .iter()
            .any(|t| is_network_test_word(t.low) || matches!(t.low, "test" | "tests" | "testing"));
        if !asks_a_test {
            // "spin up a netshoot pod": a pod to work in, no test asked.
            return None;
        }
        // "can checkout reach postgres:5432": a host and its port.
        if let Some(i) = (0..self.len()).find(|&i| self.host_and_port(i).is_some())
            && let Some((host, port)) = self.host_and_port(i)
        {
            self.use_token(i);
            let dns = self.tokens.iter().any(|t| {
                matches!(
                    t.low,
                    "dns" | "resolve" | "resolves" | "resolving" | "resolution"
                )
            });
            if dns {
                return Some(vec!["nslookup".to_owned(), owned(host)]);
            }
            return Some(port_test(&owned(host), port));
        }
        let target = (0..self.len()).find(|&i| {
            self.is_value(i)
                && !matches!(
                    self.low(i),
                    "test" | "tests" | "testing" | "working" | "work" | "works"
                )
                && (self.prev_meaningful(i).is_some_and(|p| {
                    matches!(
                        self.low(p),
                        "reach" | "resolve" | "resolves" | "resolving" | "ping"
                    ) || matches!(self.w(p), Some(W::To | W::For))
                })
                    // "resolution of checkout.production.svc": a host name.
                    || (self.tokens[i].low.contains('.') && !is_image_shaped(self.tokens[i].low))
                    // "is postgres reachable from checkout": the subject.
                    || self.next_meaningful(i).is_some_and(|b| {
                        (self.is_w(b, W::Be)
                            && matches!(self.low(b + 1), "reachable" | "resolvable" | "up"))
                            || matches!(self.low(b), "reachable" | "resolvable")
                    })
                    || [i.wrapping_sub(1), i + 1].iter().any(|&k| {
                    matches!(
                        self.tokens.get(k).and_then(Token::kind),
                        Some((ResourceKind::Service, _))
                    )
                }))
        });
        let target = target.map(|i| {
            self.use_token(i);
            // "reach postgres on 5432", "postgres at 5432": the target's port.
            if self.port.is_none()
                && matches!(self.low(i + 1), "on" | "at")
                && let Some(port) = parse_number(self.low(i + 2))
                && let Ok(port) = u16::try_from(port)
            {
                self.use_token(i + 2);
                self.port = Some(port);
            }
            owned(self.tokens[i].raw)
        });
        let dns = self.tokens.iter().any(|t| {
            matches!(
                t.low,
                "dns" | "resolve" | "resolves" | "resolving" | "resolution"
            )
        });
        // "can pods reach the internet", "is the outside world reachable
        // from shop": an egress test, to one fixed public host.
        let egress = match &target {
            Some(host) => EGRESS_WORDS.contains(&host.as_str()),
            None => self.tokens.iter().any(|t| EGRESS_WORDS.contains(&t.low)),
        };
        if egress {
            return Some(
                [
                    "curl",
                    "-sS",
                    "-m",
                    "5",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    EGRESS_TEST_URL,
                ]
                .iter()
                .map(|part| (*part).to_owned())
                .collect(),
            );
        }
        let command: Vec<String> = match target {
            // The port named is the target's, not one the debug pod exposes.
            Some(host) if !dns => match self.port.take() {
                Some(port) => port_test(&host, port),
                None => [
                    "curl",
                    "-sS",
                    "-m",
                    "5",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                ]
                .iter()
                .map(|part| (*part).to_owned())
                .chain([format!("http://{host}")])
                .collect(),
            },
            None if !dns
                && self.tokens.iter().any(|t| {
                    matches!(
                        t.low,
                        "connectivity" | "reach" | "reachable" | "reachability"
                    )
                }) =>
            {
                // Connectivity with no target named: the cluster's own API service.
                [
                    "curl",
                    "-sSk",
                    "-m",
                    "5",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "https://kubernetes.default",
                ]
                .iter()
                .map(|part| (*part).to_owned())
                .collect()
            }
            host => vec![
                "nslookup".to_owned(),
                host.unwrap_or_else(|| "kubernetes.default".to_owned()),
            ],
        };
        Some(command)
    }

    /// `postgres:5432` after a network test's verb ("reach", "curl",
    /// "against", "to"): the host and port to test, never an image.
    fn host_and_port(&self, i: usize) -> Option<(&'a str, u16)> {
        let token = self.tokens.get(i)?;
        if self.used[i] || token.shape != Shape::Word || token.lex != Lex::Unknown {
            return None;
        }
        let (host, port) = token.raw.split_once(':')?;
        let port = u16::try_from(parse_number(port)?).ok()?;
        let tested = i > 0
            && matches!(
                self.low(i - 1),
                "reach" | "curl" | "wget" | "against" | "ping" | "to" | "nc" | "telnet"
            );
        (tested && is_name_shaped(host) && !host.contains('/')).then_some((host, port))
    }

    /// "open a shell in web-1", "get a terminal on pod x": exec without a verb.
    fn shell_request(&mut self) -> Option<Intent> {
        let shell_at = (0..self.len()).find(|&i| !self.used[i] && self.is_w(i, W::Shell))?;
        let shell = match self.low(shell_at) {
            "bash" => "bash",
            "zsh" => "zsh",
            "ash" => "ash",
            _ => "sh",
        };
        self.use_token(shell_at);
        if self.command.is_none() {
            self.command = Some(vec![shell.to_owned()]);
        }
        Some(self.exec())
    }

    // ----------------------------------------------------------- mutation

    fn mutation(&mut self) -> Intent {
        // "check logs of web-0 && kubectl rollout restart deploy/web": the
        // objects of an earlier command are not the change's.
        if let Some(&(verb_at, _)) = self.changes.first()
            && let Some(chain_at) = (0..verb_at)
                .rev()
                .find(|&j| matches!(self.tokens[j].shape, Shape::Chain | Shape::Pipe))
            // "...; restart it": the pronoun points back to them.
            && !self.tokens[chain_at..]
                .iter()
                .any(|t| matches!(t.low, "it" | "them" | "those" | "these" | "its"))
        {
            // Its namespace ("in staging") still scopes the change.
            for j in 0..chain_at {
                if self.is_value(j) && self.place(j, None) != Place::In {
                    self.use_token(j);
                }
            }
        }
        if let Some(intent) = self.verb_named_object() {
            return intent;
        }
        if let Some(intent) = self.deferred_change() {
            return intent;
        }
        if let Some(intent) = self.read_before_change() {
            return intent;
        }
        let mut ops: Vec<Change> = Vec::with_capacity(2);
        let about_replicas = self.replicas.is_some() || self.has_w_anywhere(&[W::Replicas]);
        for (_, change) in &self.changes {
            let normalized = match change {
                // "bump redis to redis:7.2": a new image is a set image.
                Change::Increase
                    if !about_replicas && self.image.as_deref().is_some_and(is_image_shaped) =>
                {
                    Change::Update
                }
                // "increase replicas of web to 5" scales; "raise the memory limit" does not.
                Change::Increase | Change::Decrease if !about_replicas => *change,
                other => normalize_change(*other),
            };
            if !ops.contains(&normalized) {
                ops.push(normalized);
            }
        }
        // "rollout restart", "roll out", "restart ... rollout": one restart.
        if ops.contains(&Change::Restart) {
            ops.retain(|c| *c != Change::Rollout);
        }
        // "roll out a new version of checkout with image shop/checkout:2.0":
        // rolling out an image is setting it.
        if self.image.is_some() {
            for op in &mut ops {
                if *op == Change::Rollout {
                    *op = Change::Update;
                }
            }
        }
        // "rollout undo", "undo the last rollout of web", "roll back the
        // rollout": one rollback. "roll checkout back to nginx:1.26": an
        // image named is the image to set.
        if ops.contains(&Change::Undo) || ops.contains(&Change::Rollback) {
            ops.retain(|c| *c != Change::Rollout);
            if self.image.is_some() {
                for op in &mut ops {
                    if matches!(op, Change::Undo | Change::Rollback) {
                        *op = Change::Update;
                    }
                }
                ops.dedup();
            }
        }
        // "undo the restart of checkout", "revert the image update of web",
        // "undo the label change": the change named after the undo verb, in
        // its clause, is what it undoes, never a second change.
        if let Some(&(undo_at, _)) = self
            .changes
            .iter()
            .find(|(_, c)| matches!(c, Change::Undo | Change::Rollback))
            && ops
                .iter()
                .any(|c| matches!(c, Change::Undo | Change::Rollback))
            && self.changes.iter().all(|&(i, c)| {
                matches!(c, Change::Undo | Change::Rollback | Change::Rollout)
                    || (i > undo_at
                        && (undo_at..i).all(|j| {
                            !matches!(self.w(j), Some(W::And | W::Then))
                                && !matches!(self.tokens[j].shape, Shape::Chain | Shape::Pipe)
                        }))
            })
        {
            ops.retain(|c| matches!(c, Change::Undo | Change::Rollback));
            ops.truncate(1);
        }
        // "pause the rollout of web": one pause.
        if ops.contains(&Change::Suspend) || ops.contains(&Change::Resume) {
            ops.retain(|c| *c != Change::Rollout);
        }
        // "is it safe to delete pod web-1?", "should I restart api?", "what
        // would happen if I delete web": a question about a change.
        if let Some(intent) = self.hypothetical_change() {
            return intent;
        }
        // "restart web and api", "scale web to 3 and api to 2", "delete
        // pod web-1 and pod web-2", "delete pods web-1 web-2": two targets.
        let object_after = |i: usize| {
            self.next_meaningful(i).is_some_and(|j| {
                self.is_value(j)
                    || (self.tokens[j].kind().is_some()
                        && (self.tokens[j].value.is_some() || self.is_value(j + 1)))
            })
        };
        let generated_pair = (1..self.len()).any(|i| {
            self.is_value(i - 1)
                && self.is_value(i)
                && looks_like_pod_name(self.low(i - 1))
                && looks_like_pod_name(self.low(i))
        });
        if let Some(&(verb_at, _)) = self.changes.first()
            && ((verb_at..self.len()).any(|i| self.is_w(i, W::And) && object_after(i))
                || generated_pair)
        {
            return Intent::clarify(
                vec![Param::Name],
                "That names more than one object. I change one at a time, each with its own plan and approval: which one first?",
            );
        }
        // "make web run 5 replicas", "run 3 replicas of api": a target count.
        if self.replicas.is_some()
            && self.has_w_anywhere(&[W::Replicas])
            && self.image.is_none()
            && self
                .changes
                .iter()
                .all(|(i, _)| matches!(self.low(*i), "make" | "run"))
        {
            return self.scale();
        }
        // "add label env=prod to namespace payments": one label change.
        if (ops.contains(&Change::Label) || ops.contains(&Change::Annotate))
            && self.changes.iter().all(|(i, c)| {
                matches!(c, Change::Label | Change::Annotate) || self.low(*i) == "add"
            })
        {
            ops.retain(|c| *c != Change::Create);
        }
        // "add the label tier=frontend to web", "add an annotation
        // owner=team-a to api": "add" with the noun and its key=value.
        if ops == [Change::Create]
            && self.changes.iter().all(|(i, _)| self.low(*i) == "add")
            && let Some(at) = (0..self.len()).find(|&i| {
                !self.used[i]
                    && matches!(
                        self.low(i),
                        "label" | "labels" | "annotation" | "annotations"
                    )
            })
            && self.tokens.iter().any(|t| t.shape == Shape::Assign)
        {
            self.use_token(at);
            return self.label_or_annotate(self.low(at).starts_with("label"));
        }
        // "create a debug pod and run ...", "run a pod": one creation.
        if ops.contains(&Change::Run) && ops.contains(&Change::Create) {
            ops.retain(|c| *c != Change::Create);
        }
        if ops.contains(&Change::Exec) && ops.contains(&Change::Run) {
            ops.retain(|c| *c != Change::Run);
        }
        // "create an hpa for checkout min 2 max 10 cpu 80%": the numbers
        // are the autoscaler's, never a limit or a replica count.
        if self
            .kinds()
            .any(|(_, kind, _)| kind == ResourceKind::HorizontalPodAutoscaler)
            && ops
                .iter()
                .all(|c| matches!(c, Change::Create | Change::Apply | Change::Autoscale))
        {
            return self.autoscale();
        }
        // "set the checkout hpa max replicas to 10", "raise the maximum of
        // hpa web to 20": an autoscaler's replica bound.
        if ops.iter().all(|op| {
            matches!(
                op,
                Change::Set
                    | Change::Edit
                    | Change::Update
                    | Change::Patch
                    | Change::Scale
                    | Change::Increase
                    | Change::Decrease
            )
        }) && let Some(intent) = self.autoscaler_bound_change()
        {
            return intent;
        }
        // "set the memory limit of api to 1Gi", "raise cpu requests of web to 500m".
        if let Some(intent) = self.resource_change() {
            return intent;
        }
        // "make checkout use 3 replicas": a target count.
        if ops == [Change::Create]
            && self.replicas.is_some()
            && self.image.is_none()
            && self.changes.iter().all(|(i, _)| self.low(*i) == "make")
        {
            return self.scale();
        }
        // "add a replica to nginx", "add 2 replicas to web": a difference, not a target.
        let adds = self.changes.iter().any(|(i, c)| {
            (*c == Change::Create && self.low(*i) == "add")
                || matches!(c, Change::Increase | Change::Decrease)
                // "remove a replica from web": not a deletion.
                || (*c == Change::Delete && self.has_w_anywhere(&[W::Replicas]))
        });
        if adds
            && about_replicas
            && self.image.is_none()
            && !self.replicas_after_to
            && self.kinds().all(|(_, kind, _)| kind.scalable())
        {
            return self.relative_scale();
        }
        // "remove the label team from checkout", "delete annotation owner
        // from web", `kubectl label deploy web team-`, "remove env
        // LOG_LEVEL from nginx": a field removed.
        if let Some(intent) = self.field_removal(&ops) {
            return intent;
        }
        // "set env LOG_LEVEL=debug on cart", `kubectl set env
        // deployment/cart LOG_LEVEL=debug`: a container's environment.
        // ("add environment variable DEBUG=1 to web": an entry set.)
        let adds_env = self.changes.iter().all(|&(i, _)| self.low(i) == "add")
            && (0..self.len()).any(|i| {
                matches!(
                    self.low(i),
                    "env" | "environment" | "envvar" | "variable" | "var"
                )
            });
        if (adds_env
            || ops
                .iter()
                .all(|op| matches!(op, Change::Set | Change::Edit | Change::Update)))
            && let Some(intent) = self.set_env()
        {
            return intent;
        }
        // "set LOG_LEVEL to debug in configmap api-config": one key of a ConfigMap.
        if ops
            .iter()
            .all(|op| matches!(op, Change::Set | Change::Edit | Change::Update))
            && let Some(intent) = self.config_map_key_change()
        {
            return intent;
        }
        // "change the image of web to nginx:1.27": setting the image.
        if ops.contains(&Change::Edit) && (self.image.is_some() || self.has_w_anywhere(&[W::Image]))
        {
            for op in &mut ops {
                if *op == Change::Edit {
                    *op = Change::Update;
                }
            }
            ops.dedup();
        }
        // "patch deployment web to 3 replicas", "edit api to have 4
        // replicas": the change asked is a target count, which is a scale.
        if ops
            .iter()
            .all(|op| matches!(op, Change::Patch | Change::Edit))
            && self.replicas.is_some()
            && self.has_w_anywhere(&[W::Replicas])
            && self.image.is_none()
        {
            return self.scale();
        }
        // `patch deploy nginx -p '{"spec":{"replicas":4}}'`: a merge patch
        // of the replica count alone is a scale, planned and verified as one.
        if ops == [Change::Patch]
            && self.replicas.is_none()
            && let Some((at, count)) = self.patched_replicas()
        {
            self.use_token(at);
            self.replicas = Some(count);
            return self.scale();
        }
        // A change kubeop cannot make exactly is a question, whatever else is asked.
        if let Some(unsupported) = ops.iter().copied().find(|op| {
            matches!(
                op,
                Change::Patch | Change::Edit | Change::Replace | Change::Drain | Change::Taint
            )
        }) {
            return self.unsupported(unsupported);
        }
        if ops.len() > 1 {
            return Intent::clarify(
                vec![Param::Intent],
                "That asks for more than one change. I make one change at a time, each with its own plan and approval: which should I do first?",
            );
        }
        if self.unsafe_pipe {
            return Intent::clarify(
                vec![Param::Intent],
                "That pipes into another command, which I cannot plan exactly. What single change should I make?",
            );
        }
        if self.file {
            return Intent::clarify(
                vec![Param::Resource],
                "I cannot read manifest files from your disk. Paste the manifest, or tell me the kind, name and settings to apply.",
            );
        }
        // "turn off the report cronjob", "disable db-backup's cronjob",
        // "enable it again": a CronJob is stopped and started by its suspend.
        let cronjob = self
            .kinds()
            .any(|(_, kind, _)| kind == ResourceKind::CronJob);
        let started = self.changes.iter().any(|(_, c)| *c == Change::Start);
        match ops[0] {
            Change::Stop if cronjob => self.suspend(true),
            Change::Run if cronjob && started => self.suspend(false),
            // "run the nightly-export cronjob now", "trigger cronjob x":
            // one run now, from its job template.
            Change::Run if cronjob && self.image.is_none() => self.run_cronjob_now(),
            Change::Other if cronjob && self.says("trigger") => self.run_cronjob_now(),
            Change::Restart if cronjob && self.says("kick") => self.run_cronjob_now(),
            Change::Delete => self.delete(),
            Change::Scale => self.scale(),
            Change::Restart | Change::Rollout => self.restart(),
            Change::Rollback | Change::Undo => self.rollback(),
            Change::Create => self.create(),
            Change::Run => self.run(),
            Change::Exec => self.exec(),
            Change::Set | Change::Update => self.update(),
            Change::Cordon => self.node_schedulable(true),
            Change::Uncordon => self.node_schedulable(false),
            Change::Label => self.label_or_annotate(true),
            Change::Annotate => self.label_or_annotate(false),
            Change::Suspend => self.suspend(true),
            Change::Resume => self.suspend(false),
            Change::Expose => self.expose(),
            Change::Autoscale => self.autoscale(),
            Change::Fix => {
                let mut arguments = self.base();
                let kind_at = self.main_kind().map(|(i, _, _)| i);
                arguments.name = self.take_name(kind_at, true);
                arguments.namespace = self.take_namespace(false, true);
                Intent::Diagnose {
                    playbook: Playbook::PodFailure,
                    arguments,
                }
            }
            other => self.unsupported(other),
        }
    }

    /// The target of a change: kind (or a default) and name.
    fn target(
        &mut self,
        default_kind: Option<ResourceKind>,
    ) -> (Option<ResourceKind>, Option<String>, Option<usize>) {
        // The kind the change verb acts on: the first one after it, else any.
        let verb_at = self.changes.last().map_or(0, |(i, _)| *i);
        // Else one before it in the same clause ("the web deployment, restart it"),
        // not one of an earlier request ("list pods in prod and then scale web").
        let clause_start = (0..verb_at)
            .rev()
            .find(|&j| {
                matches!(self.w(j), Some(W::And | W::Then))
                    || matches!(self.tokens[j].shape, Shape::Chain | Shape::Pipe)
            })
            .map_or(0, |j| j + 1);
        // "list pods and then delete them": the pronoun points back.
        let pronoun = self.tokens[clause_start..]
            .iter()
            .any(|t| matches!(t.low, "them" | "it" | "those" | "these" | "they" | "one"));
        // "scale checkout to 3, then show me the pods": the clause ends at
        // the next "and"/"then" or chain.
        let clause_end = (verb_at + 1..self.len())
            .find(|&j| {
                matches!(self.w(j), Some(W::And | W::Then))
                    || matches!(self.tokens[j].shape, Shape::Chain | Shape::Pipe)
            })
            .unwrap_or(self.len());
        let main = self
            .kinds()
            .find(|(i, _, _)| *i > verb_at && *i < clause_end)
            .or_else(|| {
                self.kinds()
                    .find(|(i, _, _)| *i >= clause_start && *i < clause_end)
            })
            .or_else(|| if pronoun { self.kinds().next() } else { None });
        let kind_at = main.map(|(i, _, _)| i);
        self.deployment_assumed = main.is_none() && default_kind == Some(ResourceKind::Deployment);
        let kind = main.map(|(_, kind, _)| kind).or(default_kind);
        let name = self.take_name(kind_at, true);
        // A hand-off's context before its task names the workload a change
        // is about; never a deletion's (`delete pods app=web` selects by
        // the label, and deletes one object at a time).
        let name = name.or_else(|| {
            let deletes = self
                .changes
                .iter()
                .any(|(_, c)| normalize_change(*c) == Change::Delete);
            let context_first = (0..verb_at).any(|i| {
                self.tokens[i].shape == Shape::Assign
                    && matches!(self.tokens[i].low, "app" | "app.kubernetes.io/name")
            });
            (!deletes && context_first)
                .then(|| self.app_label_name())
                .flatten()
        });
        if let Some(k) = kind_at {
            self.use_token(k);
        }
        (kind, name, kind_at)
    }

    /// "app=checkout namespace=production sync=OutOfSync, investigate",
    /// "Context: app=checkout ns=shop. Task: restart the deployment": a
    /// supervisor's hand-off names its subject by the app label, whose
    /// value is the workload's name by convention (the plan shows it).
    fn app_label_name(&mut self) -> Option<String> {
        let i = (0..self.len()).find(|&i| {
            !self.used[i]
                && self.tokens[i].shape == Shape::Assign
                && (matches!(self.tokens[i].low, "app" | "app.kubernetes.io/name")
                    || matches!(
                        crate::kinds::lookup_kind_word(self.tokens[i].low),
                        Some((
                            ResourceKind::Pod
                                | ResourceKind::Deployment
                                | ResourceKind::StatefulSet
                                | ResourceKind::DaemonSet
                                | ResourceKind::Job,
                            _
                        ))
                    ))
                && self.tokens[i].value.is_some_and(is_name_shaped)
        })?;
        self.use_token(i);
        self.tokens[i].value.map(owned)
    }

    /// "restart the payment service", "scale the web service to 3": a
    /// Service has no pods of its own to restart or scale, so the workload
    /// behind it is meant, its kind assumed. Its name is the word before
    /// "service": the workload of Service `web` is usually `web`, and where
    /// the workload is `payment-service` the workflow resolves "payment" to
    /// it (the one workload that name begins); the classifier never invents
    /// a joined name the cluster may not have.
    fn service_named_workload(
        &mut self,
        kind: Option<ResourceKind>,
        name: Option<String>,
        kind_at: Option<usize>,
    ) -> (Option<ResourceKind>, Option<String>) {
        if let (Some(ResourceKind::Service), Some(name), Some(k)) = (kind, &name, kind_at)
            && self.tokens[k].low == "service"
            && self.tokens[k].value.is_none()
            && self
                .prev_meaningful(k)
                .is_some_and(|p| self.tokens[p].low == name.as_str())
        {
            self.deployment_assumed = true;
            return (Some(ResourceKind::Deployment), Some(name.clone()));
        }
        (kind, name)
    }

    /// A question for a missing name with what the request named of the
    /// object (its kind and namespace), for the workflow to offer the names
    /// there are.
    fn in_scope(question: Intent, kind: Option<ResourceKind>, namespace: Option<String>) -> Intent {
        let Intent::Clarify {
            missing, question, ..
        } = question
        else {
            return question;
        };
        Intent::Clarify {
            missing,
            question,
            arguments: Arguments {
                api_version: kind.map(|kind| Cow::Borrowed(kind.api_version())),
                kind: kind.map(|kind| Cow::Borrowed(kind.kind())),
                namespace,
                ..Arguments::default()
            },
        }
    }

    /// The question for a change that names no object: it carries the kind
    /// and the namespace the request gives, so that the workflow can offer
    /// the names there; a request for many ("restart all deployments in
    /// staging", "scale everything to 0") hears first that kubeop makes one
    /// change at a time.
    fn unnamed_change(
        kind: Option<ResourceKind>,
        verb: &str,
        namespace: Option<String>,
        many: bool,
    ) -> Intent {
        let question = if many {
            let noun = kind.map_or("resource", ResourceKind::noun);
            Intent::clarify(
                vec![Param::Name],
                format!(
                    "I {verb} one {noun} at a time, by name, each with its own plan and approval. Which one should I {verb}?"
                ),
            )
        } else {
            Self::missing_name(kind, verb)
        };
        Self::in_scope(question, kind, namespace)
    }

    /// Whether a change is asked of many objects at once ("all", "every",
    /// "everything", `--all`).
    fn asks_for_many(&self) -> bool {
        self.bulk || self.has_w_anywhere(&[W::All])
    }

    fn missing_name(kind: Option<ResourceKind>, verb: &str) -> Intent {
        let noun = kind.map_or("resource", ResourceKind::noun);
        Intent::clarify(
            vec![Param::Name],
            format!("Which {noun} should I {verb}? I need a name."),
        )
    }

    /// The read of one named object: `pods_get` for a pod (the server's
    /// pod read, which the workflow follows to the pod's workload when the
    /// name is a workload's), else `resources_get` of the kind.
    fn object_read(&self, kind: ResourceKind, name: String, namespace: Option<String>) -> Intent {
        if kind == ResourceKind::Pod {
            return Intent::ReadOnly {
                tool: Tool::PodsGet,
                arguments: Arguments {
                    name: Some(name),
                    namespace,
                    ..self.base()
                },
            };
        }
        Intent::ReadOnly {
            tool: Tool::ResourcesGet,
            arguments: self.resource_args(kind, name, namespace),
        }
    }

    fn resource_args(
        &self,
        kind: ResourceKind,
        name: String,
        namespace: Option<String>,
    ) -> Arguments {
        Arguments {
            api_version: Some(Cow::Borrowed(kind.api_version())),
            kind: Some(Cow::Borrowed(kind.kind())),
            name: Some(name),
            namespace: namespace.filter(|_| kind.namespaced()),
            ..self.base()
        }
    }

    fn delete(&mut self) -> Intent {
        // "kill web-1", "evict web-1": only pods are killed or evicted.
        let pod_verb = self
            .changes
            .iter()
            .any(|(_, c)| matches!(c, Change::Kill | Change::Evict));
        // "evict all pods from node-2", "delete the pods on worker-1": a
        // node emptied is a drain, never a pod named after the node.
        let pods_listed = self
            .kinds()
            .any(|(_, kind, number)| kind == ResourceKind::Pod && number == Number::Plural);
        if pods_listed
            && (0..self.len()).any(|i| {
                self.is_value(i)
                    && is_node_name_shaped(self.tokens[i].raw)
                    && self
                        .prev_meaningful(i)
                        .is_some_and(|p| matches!(self.w(p), Some(W::On | W::From)))
            })
        {
            return self
                .unsupported_with_steps(Change::Drain)
                .unwrap_or_else(|| self.unknown());
        }
        let (kind, name, kind_at) = self.target(pod_verb.then_some(ResourceKind::Pod));
        let namespace = self.take_namespace(false, true);
        // "delete all pods of checkout": many objects, whatever name follows.
        let plural_kind =
            kind_at.is_some_and(|k| matches!(self.tokens[k].kind(), Some((_, Number::Plural))));
        if self.bulk || ((name.is_none() || plural_kind) && self.has_w_anywhere(&[W::All])) {
            return Self::unnamed_change(kind, "delete", namespace, true);
        }
        let Some(kind) = kind else {
            return match name {
                Some(name) => Intent::clarify(
                    vec![Param::Kind],
                    format!("What kind of resource is {name}: a pod, a deployment, a service...?"),
                ),
                None => Intent::clarify(
                    vec![Param::Kind, Param::Name],
                    "What should I delete? I need a kind and a name.",
                ),
            };
        };
        let Some(name) = name else {
            return Self::unnamed_change(Some(kind), "delete", namespace, false);
        };
        let mut arguments = self.resource_args(kind, name, namespace);
        arguments.grace_period_seconds = self.grace_period;
        if kind == ResourceKind::Pod {
            arguments.api_version = None;
            arguments.kind = None;
            arguments.grace_period_seconds = None;
            return Intent::Mutation {
                operation: Operation::Delete,
                tool: Tool::PodsDelete,
                arguments,
                kind_defaulted: false,
            };
        }
        Intent::Mutation {
            operation: Operation::Delete,
            tool: Tool::ResourcesDelete,
            arguments,
            kind_defaulted: false,
        }
    }

    fn scale(&mut self) -> Intent {
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        let (kind, name) = self.service_named_workload(kind, name, kind_at);
        // "scale web=3": the name and the count in one word.
        let name = match name {
            Some(name) => Some(name),
            None => self.name_equals_count(),
        };
        // "set replicas=3 on web": the object after "on".
        let name = name.or_else(|| self.object_after_on());
        let namespace = self.take_namespace(false, true);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        if !kind.scalable() {
            return Intent::clarify(
                vec![Param::Kind],
                format!(
                    "{} {} cannot be scaled. Did you mean a deployment or a statefulset?",
                    capital_article(kind.noun()),
                    kind.noun()
                ),
            );
        }
        let Some(name) = name else {
            return Self::unnamed_change(Some(kind), "scale", namespace, self.asks_for_many());
        };
        let Some(replicas) = self.replicas else {
            // "scale nginx to -1", `--replicas=-1`: no count below zero exists.
            let negative = self.tokens.iter().any(|t| {
                let text = if t.shape == Shape::Flag {
                    t.value.unwrap_or("")
                } else {
                    t.low
                };
                text.len() > 1
                    && text.starts_with('-')
                    && text[1..].bytes().all(|b| b.is_ascii_digit())
            });
            let question = if negative {
                format!(
                    "A replica count cannot be negative: {} {name} can have 0 replicas or more. How many should it have?",
                    kind.noun()
                )
            } else if self.bulk {
                format!(
                    "To how many replicas exactly should I scale {name}? I need the target count, not a difference."
                )
            } else {
                format!("How many replicas should {} {name} have?", kind.noun())
            };
            return Intent::clarify(vec![Param::Scale], question);
        };
        let mut arguments = self.resource_args(kind, name, namespace);
        arguments.scale = Some(replicas);
        Intent::Mutation {
            operation: Operation::Scale,
            tool: Tool::ResourcesScale,
            arguments,
            kind_defaulted: false,
        }
    }

    /// `NAME=COUNT` in a scale request ("scale web=3"): the name, with the
    /// count taken as the target replica count when none was given.
    /// A change of a HorizontalPodAutoscaler's replica bound, which the
    /// request names ("max replicas", "maxReplicas", "minimum"): its
    /// `maxReplicas` or `minReplicas` set to the count asked. None when no
    /// autoscaler or no bound is named.
    fn autoscaler_bound_change(&mut self) -> Option<Intent> {
        if !self
            .kinds()
            .any(|(_, kind, _)| kind == ResourceKind::HorizontalPodAutoscaler)
        {
            return None;
        }
        let bound = (0..self.len()).find(|&i| {
            self.tokens[i].shape == Shape::Word
                && matches!(
                    self.low(i),
                    "max" | "maximum" | "maxreplicas" | "min" | "minimum" | "minreplicas"
                )
        })?;
        self.use_token(bound);
        let maximum = self.low(bound).starts_with("max");
        let (_, name, _) = self.target(Some(ResourceKind::HorizontalPodAutoscaler));
        let namespace = self.take_namespace(false, true);
        let Some(name) = name else {
            return Some(Self::missing_name(
                Some(ResourceKind::HorizontalPodAutoscaler),
                "change",
            ));
        };
        let Some(replicas) = self.replicas else {
            return Some(Intent::clarify(
                vec![Param::Scale],
                format!(
                    "To how many replicas should the {} of horizontal pod autoscaler {name} go?",
                    if maximum { "maximum" } else { "minimum" }
                ),
            ));
        };
        let resource = manifest::autoscaler_bound(&name, namespace.as_deref(), maximum, replicas);
        Some(self.create_update(resource))
    }

    fn name_equals_count(&mut self) -> Option<String> {
        let (i, count) = (0..self.len()).find_map(|i| {
            let token = self.tokens[i];
            let count = token.value.and_then(parse_number)?;
            (token.shape == Shape::Assign && !self.used[i] && is_name_shaped(token.low))
                .then_some((i, count))
        })?;
        self.use_token(i);
        self.replicas.get_or_insert(count);
        Some(owned(self.tokens[i].raw))
    }

    /// The object of "set replicas=3 on web": a value after "on" that is no
    /// common namespace name or node name.
    fn object_after_on(&mut self) -> Option<String> {
        let i = (0..self.len()).find(|&i| {
            self.is_value(i)
                && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
                && !is_namespace_word(self.tokens[i].low)
                && !is_node_name_shaped(self.tokens[i].low)
        })?;
        self.use_token(i);
        Some(owned(self.tokens[i].raw))
    }

    /// A change asked about rather than asked for: kubeop shows a plan only
    /// when asked to make the change, and says how to ask.
    /// "restart checkout tomorrow", "scale web to 3 in 2 hours": a change
    /// put off to a later time. kubeop makes a change when its plan is
    /// approved and schedules nothing, so it asks rather than plan it now.
    fn deferred_change(&self) -> Option<Intent> {
        let later = (0..self.len()).any(|i| {
            matches!(self.low(i), "tomorrow" | "tonight" | "later")
                // "this evening", "at midnight", "over the weekend" (never
                // "good morning", a greeting).
                || (matches!(
                    self.low(i),
                    "morning" | "afternoon" | "evening" | "midnight" | "weekend"
                ) && i > 0
                    && matches!(self.low(i - 1), "this" | "the" | "at"))
                || (self.is_w(i, W::In)
                    && parse_number(self.low(i + 1)).is_some()
                    && self.is_w(i + 2, W::Hour))
        });
        later.then(|| {
            Intent::clarify(
                vec![Param::Intent],
                "I make a change when you approve its plan, and I schedule nothing for later. Ask me for it when it is time (the plan shows the state then), or ask now and approve the plan when you are ready.",
            )
        })
    }

    /// "check web and if it's broken restart it", "restart checkout if
    /// needed": a change on a condition only a check can settle. The check
    /// is the request: the pod playbook diagnoses the workload and proposes
    /// the fix (a plan to approve) when something is wrong; the change is
    /// never made on the strength of the words alone.
    fn conditional_change(&mut self) -> Option<Intent> {
        let if_at = (0..self.len()).find(|&i| matches!(self.low(i), "if" | "unless"))?;
        let conditioned = (if_at + 1..self.len()).any(|j| {
            self.is_w(j, W::Wrong)
                || matches!(
                    self.low(j),
                    "broken"
                        | "failing"
                        | "down"
                        | "unhealthy"
                        | "needed"
                        | "necessary"
                        | "required"
                        | "crashing"
                        | "stuck"
                        | "dead"
                        | "bad"
                )
        });
        if !conditioned {
            return None;
        }
        let (kind, name, _) = self.target(Some(ResourceKind::Deployment));
        let namespace = self.take_namespace(false, true);
        let name = name.or_else(|| {
            let i = self.leftover_value()?;
            Some(self.take_value(i))
        })?;
        let mut arguments = self.base();
        arguments.name = Some(name);
        arguments.namespace = namespace.filter(|_| kind.is_none_or(ResourceKind::namespaced));
        Some(Intent::Diagnose {
            playbook: Playbook::PodFailure,
            arguments,
        })
    }

    /// "before you restart it, show me the logs of checkout": a read asked
    /// first and a change for afterwards. One request at a time, and never
    /// the change on the strength of the read's words: both are named back.
    fn read_before_change(&self) -> Option<Intent> {
        let &(verb_at, _) = self.changes.first()?;
        let before = (0..verb_at)
            .rev()
            .take(2)
            .find(|&i| self.low(i) == "before")?;
        if !(before + 1..verb_at).all(|i| matches!(self.low(i), "you" | "we" | "i"))
            || !self.has_w_anywhere(&[W::Read, W::Logs, W::Describe, W::Top, W::Tail])
        {
            return None;
        }
        let verb = self.tokens[verb_at].low;
        Some(Intent::clarify(
            vec![Param::Intent],
            format!(
                "That is a read first and a {verb} after it. I take one request at a time: ask for the read now, then for the {verb} (with its plan to approve) once you have seen it."
            ),
        ))
    }

    /// "logs of the cleanup job", "is the delete job done": the only change
    /// verb stands where an object's name goes (between a determiner and a
    /// singular kind). Acting on it would change the wrong object and
    /// reading past it would drop a change asked for: the question says
    /// how to write either.
    fn verb_named_object(&self) -> Option<Intent> {
        let (at, _) = *self.changes.first()?;
        let named = |i: usize| {
            i > 0
                && matches!(self.low(i - 1), "the" | "my" | "our" | "this" | "that")
                && self.tokens.get(i + 1).is_some_and(|next| {
                    next.value.is_none()
                        && matches!(next.kind(), Some((_, Number::Singular | Number::Short)))
                })
        };
        if !self.changes.iter().all(|&(i, _)| named(i)) {
            return None;
        }
        let word = self.tokens[at].low;
        let kind = self.tokens[at + 1]
            .kind()
            .map_or("object", |(kind, _)| kind.noun());
        Some(Intent::clarify(
            vec![Param::Intent],
            format!(
                "Is \"{word}\" the name of the {kind}? It is also a change I can make, so I do neither on a guess: say e.g. \"describe {kind} {word}\" to read it, or \"{word} {kind} NAME\" to change one."
            ),
        ))
    }

    fn hypothetical_change(&self) -> Option<Intent> {
        let &(verb_at, _) = self.changes.first()?;
        let first = (0..self.len())
            .find(|&i| !self.is_filler(i) || matches!(self.low(i), "should" | "would"))?;
        // ("would you mind restarting cart": a polite order.)
        if verb_at > 0 && self.low(verb_at - 1) == "mind" {
            return None;
        }
        // ("is it ok to delete pod web-1?", "do I need to restart api?",
        // "is it a good idea to scale web down": whether to, not a request.)
        let opens_a_question = matches!(self.w(first), Some(W::Be | W::Question | W::Do))
            || matches!(self.low(first), "should" | "would");
        let hedged = self.tokens[..verb_at].iter().any(|t| {
            matches!(
                t.low,
                "safe"
                    | "should"
                    | "would"
                    | "if"
                    | "happen"
                    | "happens"
                    | "ok"
                    | "okay"
                    | "fine"
                    | "alright"
                    | "wise"
                    | "risky"
                    | "dangerous"
                    | "idea"
                    | "need"
                    | "necessary"
                    | "worth"
            )
        });
        if !(opens_a_question && hedged) {
            return None;
        }
        let verb = self.tokens[verb_at].low;
        let request = self.tokens[verb_at..]
            .iter()
            .map(|t| t.full)
            .collect::<Vec<_>>()
            .join(" ");
        Some(Intent::clarify(
            vec![Param::Intent],
            format!(
                "Asking to {verb} shows the plan first (what changes, what is removed, the current state) and nothing happens until you approve it. To see it, say: \"{request}\"."
            ),
        ))
    }

    /// Environment variables of a workload's container: "set env
    /// LOG_LEVEL=debug on cart in shop", `kubectl set env deployment/cart
    /// LOG_LEVEL=debug -n shop`, "set the environment variable LOG_LEVEL to
    /// debug on deployment cart". Taken when the request says env (or
    /// names a workload kind with `KEY=VALUE` pairs) and names no other
    /// kind; the manifest holds the variables of one container (the
    /// placeholder unless `-c` names it), which the workflow merges by name
    /// into the live container's env.
    fn set_env(&mut self) -> Option<Intent> {
        let env_at: Vec<usize> = (0..self.len())
            .filter(|&i| {
                matches!(
                    self.low(i),
                    "env"
                        | "environment"
                        | "envs"
                        | "envvar"
                        | "envvars"
                        | "variable"
                        | "variables"
                        | "var"
                        | "vars"
                )
            })
            .collect();
        let workload = |kind: ResourceKind| {
            matches!(
                kind,
                ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet
            )
        };
        if self.kinds().any(|(_, kind, _)| !workload(kind)) {
            return None;
        }
        let mut pairs: Vec<(usize, Option<usize>, String, String)> = (0..self.len())
            .filter_map(|i| {
                let token = self.tokens[i];
                (token.shape == Shape::Assign && !self.used[i] && is_environment_key(token.raw))
                    .then_some(())
                    .and(token.value)
                    .map(|value| (i, None, token.raw.to_owned(), value.to_owned()))
            })
            .collect();
        if pairs.is_empty() && !env_at.is_empty() {
            // KEY, then "to VALUE" after it.
            let key_at = (0..self.len()).find(|&i| {
                !self.used[i]
                    && self.tokens[i].shape == Shape::Word
                    && is_environment_key(self.tokens[i].raw)
            });
            if let Some(key_at) = key_at
                && let Some(to) = (key_at + 1..self.len()).find(|&j| self.is_w(j, W::To))
                && let Some(value) = self.tokens.get(to + 1).filter(|t| {
                    !self.used[to + 1] && matches!(t.shape, Shape::Word | Shape::Quoted)
                })
            {
                pairs.push((
                    key_at,
                    Some(to + 1),
                    self.tokens[key_at].raw.to_owned(),
                    value.raw.to_owned(),
                ));
            }
        }
        let names_a_workload = self.kinds().next().is_some();
        let pairs_on_a_workload = names_a_workload && !pairs.is_empty();
        if env_at.is_empty() && !pairs_on_a_workload {
            return None;
        }
        for &i in &env_at {
            self.use_token(i);
        }
        for (key_at, value_at, _, _) in &pairs {
            self.use_token(*key_at);
            if let Some(value_at) = value_at {
                self.use_token(*value_at);
            }
        }
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        // "set env X=1 on cart": the workload after "on".
        // ("add env DEBUG=1 to web": the workload after "to".)
        let name = name
            .or_else(|| {
                self.take_value_at(Place::To, kind_at, |token| !is_namespace_word(token.low))
            })
            .or_else(|| {
                self.take_value_at(Place::In, kind_at, |token| !is_namespace_word(token.low))
            });
        let namespace = self.take_namespace(false, true);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        let Some(name) = name else {
            return Some(Self::missing_name(Some(kind), "set the environment of"));
        };
        if pairs.is_empty() {
            return Some(Intent::clarify(
                vec![Param::Resource],
                format!(
                    "Which variable should I set on {} {name}, to what? Say it as KEY=VALUE, e.g. \"set env LOG_LEVEL=debug on {} {name}\".",
                    kind.noun(),
                    kind.noun()
                ),
            ));
        }
        let container = self
            .container
            .clone()
            .unwrap_or_else(|| manifest::CONTAINER_PLACEHOLDER.to_owned());
        let variables: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(_, _, key, value)| (key, value))
            .collect();
        Some(self.create_update(manifest::set_env(
            kind,
            &name,
            namespace.as_deref(),
            &container,
            &variables,
        )))
    }

    /// One key of a ConfigMap set to a value: "set LOG_LEVEL to debug in
    /// configmap api-config", "change LOG_LEVEL in the api-config configmap
    /// to debug", "set configmap api-config LOG_LEVEL=debug". The manifest
    /// carries only that key; the workflow merges it into the live object,
    /// so the other keys stay. The key is written as a KEY=VALUE pair or in
    /// capitals (as environment variables are); with no kind named, the
    /// question asks for the kind rather than guess it from the name.
    fn config_map_key_change(&mut self) -> Option<Intent> {
        let other_kind = self
            .kinds()
            .any(|(_, kind, _)| kind != ResourceKind::ConfigMap);
        if other_kind {
            return None;
        }
        let config_map_at = self
            .kinds()
            .find(|(_, kind, _)| *kind == ResourceKind::ConfigMap)
            .map(|(i, _, _)| i);
        let pair = (0..self.len()).find_map(|i| {
            let token = self.tokens[i];
            (token.shape == Shape::Assign && !self.used[i])
                .then_some(())
                .and(token.value)
                .map(|value| (i, None, token.raw.to_owned(), value.to_owned()))
        });
        let pair = pair.or_else(|| {
            // KEY, then "to VALUE" after it.
            let key_at = (0..self.len()).find(|&i| {
                !self.used[i]
                    && self.tokens[i].shape == Shape::Word
                    && self.tokens[i].lex == Lex::Unknown
                    && is_environment_key(self.tokens[i].raw)
            })?;
            let to = (key_at + 1..self.len()).find(|&j| self.is_w(j, W::To))?;
            let value_at = to + 1;
            let value = self.tokens.get(value_at).filter(|t| {
                !self.used[value_at] && matches!(t.shape, Shape::Word | Shape::Quoted)
            })?;
            Some((
                key_at,
                Some(value_at),
                self.tokens[key_at].raw.to_owned(),
                value.raw.to_owned(),
            ))
        });
        let (key_at, value_at, key, value) = pair?;
        // Without the kind, only a key that cannot be a shouted word ("LOG_LEVEL").
        if config_map_at.is_none() && !(is_environment_key(&key) && key.contains('_')) {
            return None;
        }
        self.use_token(key_at);
        if let Some(v) = value_at {
            self.use_token(v);
        }
        let name = self.take_name(config_map_at, true).or_else(|| {
            // "change LOG_LEVEL in api-config to debug": the object after "in".
            self.take_value_at(Place::In, config_map_at, |token| {
                !is_namespace_word(token.low)
            })
        });
        if let Some(k) = config_map_at {
            self.use_token(k);
        }
        let namespace = self.take_namespace(false, true);
        let Some(name) = name else {
            return Some(Self::missing_name(Some(ResourceKind::ConfigMap), "change"));
        };
        if config_map_at.is_none() {
            return Some(Intent::clarify(
                vec![Param::Kind],
                format!(
                    "What kind of resource is {name}? If it is a ConfigMap, say \"set {key} to {value} in configmap {name}\"."
                ),
            ));
        }
        Some(self.create_update(manifest::config_map(
            &name,
            namespace.as_deref(),
            &[(key, value)],
        )))
    }

    /// A replica difference ("add a replica to nginx", "scale web up by 2"):
    /// kubeop scales to an exact count, so it asks for the total.
    fn relative_scale(&mut self) -> Intent {
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        let kind = self
            .main_kind()
            .map_or(ResourceKind::Deployment, |(_, kind, _)| kind);
        let name = self.take_name(kind_at, true).or_else(|| {
            // "add a replica to nginx": the object after "to"; "web needs
            // more replicas": the subject.
            let i = (0..self.len())
                .find(|&i| self.is_value(i) && self.place(i, kind_at) == Place::To)
                .or_else(|| {
                    self.leftover_value()
                        .filter(|&i| self.place(i, kind_at) == Place::Other)
                })?;
            self.use_token(i);
            Some(owned(self.tokens[i].raw))
        });
        let Some(name) = name else {
            return Self::missing_name(Some(kind), "scale");
        };
        Intent::clarify(
            vec![Param::Scale],
            format!(
                "How many replicas should {} {name} have in total? I scale to an exact count (the plan shows the current one): say e.g. \"scale {name} to 4\".",
                kind.noun()
            ),
        )
    }

    /// A container's resource limit or request: "set memory limit of api to
    /// 1Gi", "increase the cpu request of web to 500m", `kubectl set resources
    /// deploy/api --limits=memory=1Gi`. `None` when the request is not about
    /// a cpu or memory limit or request.
    fn resource_change(&mut self) -> Option<Intent> {
        let resource_word = |t: &Token<'_>| match t.low {
            "memory" | "mem" | "ram" => Some("memory"),
            "cpu" | "cpus" => Some("cpu"),
            _ => None,
        };
        // `--limits=cpu=1,memory=512Mi --requests cpu=100m`: every pair of
        // every flag, the value attached or the next word.
        let mut flagged = Vec::new();
        for (i, t) in self.tokens.iter().enumerate() {
            let bound = match t.low {
                "--limits" => ResourceBound::Limits,
                "--requests" => ResourceBound::Requests,
                _ => continue,
            };
            let value = t.value.or_else(|| {
                self.tokens
                    .get(i + 1)
                    .filter(|next| next.shape == Shape::Assign)
                    .map(|next| next.full)
            });
            for pair in value.into_iter().flat_map(|value| value.split(',')) {
                let (resource, quantity) = pair.split_once('=').unwrap_or((pair, ""));
                flagged.push((bound, resource.to_ascii_lowercase(), quantity.to_owned()));
            }
        }
        let settings = if !flagged.is_empty() {
            flagged
        } else {
            let resource = self.tokens.iter().find_map(resource_word)?;
            let bound_at = (0..self.len())
                .find(|&i| self.is_w(i, W::Limits) || (self.low(i) == "request" && i > 0));
            let Some(bound_at) = bound_at else {
                // "set the memory of checkout to 1Gi", "bump api's memory
                // to 2Gi": a value, but neither a limit nor a request named.
                if let Some(q) = (0..self.len()).find(|&i| is_quantity(self.tokens[i].raw))
                    && (!self.changes.is_empty() || self.gives_to_an_object())
                {
                    return Some(self.limit_or_request_question(resource, q));
                }
                // "add more memory to api", "increase the cpu of web": a
                // resource change with no exact value.
                let relative = self.relative_resource().is_some()
                    || self
                        .changes
                        .iter()
                        .any(|(_, c)| matches!(c, Change::Increase | Change::Decrease));
                return relative.then(|| self.resource_amount_question(resource));
            };
            let bound = if self.low(bound_at).starts_with("request") {
                ResourceBound::Requests
            } else {
                ResourceBound::Limits
            };
            // The new value: a quantity, preferably after "to".
            let quantity_at = (0..self.len())
                .filter(|&i| is_quantity(self.tokens[i].raw))
                .min_by_key(|&i| (!self.is_w(i.wrapping_sub(1), W::To), i));
            let Some(q) = quantity_at else {
                // "raise its memory limit" after a diagnosis: the plan
                // it proposed may be the one meant (the workflow offers it).
                return Some(Intent::clarify(
                    vec![Param::Resource, Param::Plan],
                    format!(
                        "To what exact value should I set the {resource} {}? Give a quantity such as {}.",
                        if bound == ResourceBound::Limits {
                            "limit"
                        } else {
                            "request"
                        },
                        if resource == "memory" {
                            "512Mi or 1Gi"
                        } else {
                            "250m or 1"
                        }
                    ),
                ));
            };
            if self.is_w(q.wrapping_sub(1), W::By) {
                return Some(Intent::clarify(
                    vec![Param::Resource],
                    format!(
                        "I set a {resource} value exactly, not a difference: to what value should it go?"
                    ),
                ));
            }
            self.use_token(q);
            self.use_token(bound_at);
            vec![(bound, resource.to_owned(), self.tokens[q].raw.to_owned())]
        };
        if let Some((_, resource, quantity)) = settings.iter().find(|(_, resource, quantity)| {
            !is_quantity(quantity) || !matches!(resource.as_str(), "memory" | "cpu")
        }) {
            let question = if !matches!(resource.as_str(), "memory" | "cpu") {
                format!(
                    "I set cpu and memory limits and requests, not {resource}: which should I set, and to what?"
                )
            } else if quantity.is_empty() {
                format!(
                    "To what value should I set {resource}? Give a quantity such as 512Mi, 1Gi or 500m."
                )
            } else {
                format!(
                    "{quantity} is not a {resource} quantity I can set; give one such as 512Mi, 1Gi or 500m."
                )
            };
            return Some(Intent::clarify(vec![Param::Resource], question));
        }
        for i in 0..self.len() {
            if resource_word(&self.tokens[i]).is_some() {
                self.use_token(i);
            }
        }
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        // "set cpu limit on cart to 500m": the workload after "on".
        let name = name.or_else(|| {
            self.take_value_at(Place::In, kind_at, |token| {
                !is_namespace_word(token.low) && !is_quantity(token.raw)
            })
            .filter(|_| self.namespace.is_some())
        });
        let namespace = self.take_namespace(false, true);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        if !matches!(
            kind,
            ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet
        ) {
            return Some(Intent::clarify(
                vec![Param::Kind],
                format!(
                    "I set resources on a deployment, statefulset or daemonset, not a {}: which workload?",
                    kind.noun()
                ),
            ));
        }
        let Some(name) = name else {
            return Some(Self::missing_name(Some(kind), "change"));
        };
        let container = self
            .container
            .clone()
            .unwrap_or_else(|| manifest::CONTAINER_PLACEHOLDER.to_owned());
        Some(self.create_update(manifest::container_resources(
            kind,
            &name,
            namespace.as_deref(),
            &container,
            &settings,
        )))
    }

    /// "more memory", "extra cpu", "less ram", "more replicas": an amount
    /// asked for as a difference (the resource named), not as a value; `None`
    /// in a comparison ("pods using more memory than 1Gi").
    fn relative_resource(&self) -> Option<&'static str> {
        if self.low_any("than") {
            return None;
        }
        self.tokens.windows(2).find_map(|pair| {
            if !matches!(
                pair[0].low,
                "more" | "extra" | "additional" | "less" | "fewer"
            ) {
                return None;
            }
            match pair[1].low {
                "memory" | "mem" | "ram" => Some("memory"),
                "cpu" | "cpus" => Some("cpu"),
                "replicas" | "replica" | "instances" | "copies" | "pods" => Some("replicas"),
                _ => None,
            }
        })
    }

    /// The question for a cpu or memory change given without an exact
    /// limit or request value ("give api more memory"): kubeop sets exact
    /// values, so it asks for one rather than guess an amount.
    fn resource_amount_question(&mut self, resource: &str) -> Intent {
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        let name = self.take_name(kind_at, true).or_else(|| {
            // "api needs more memory": the subject.
            let i = self
                .leftover_value()
                .filter(|&i| self.place(i, kind_at) != Place::In)?;
            self.use_token(i);
            Some(owned(self.tokens[i].raw))
        });
        let (whose, of) = match &name {
            Some(name) => (format!("{name}'s"), format!(" of {name}")),
            None => ("the workload's".to_owned(), String::new()),
        };
        let (limit, request) = if resource == "memory" {
            ("1Gi", "512Mi")
        } else {
            ("1", "500m")
        };
        Intent::clarify(
            vec![Param::Resource, Param::Plan],
            format!(
                "To what exact value should I set {whose} {resource}? I set a container's {resource} limit or request to a value, not by a difference: say e.g. \"set the {resource} limit{of} to {limit}\" or \"set the {resource} request{of} to {request}\"."
            ),
        )
    }

    /// The question for a cpu or memory value given without saying whether
    /// it is the limit or the request ("set the memory of checkout to 1Gi").
    fn limit_or_request_question(&mut self, resource: &str, quantity_at: usize) -> Intent {
        self.use_token(quantity_at);
        let quantity = self.tokens[quantity_at].raw;
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        let name = self.take_name(kind_at, true);
        let (whose, of) = match &name {
            Some(name) => (format!("{name}'s"), format!(" of {name}")),
            None => ("the workload's".to_owned(), String::new()),
        };
        Intent::clarify(
            vec![Param::Resource],
            format!(
                "Should {quantity} be {whose} {resource} limit or its request? Say \"set the {resource} limit{of} to {quantity}\" or \"set the {resource} request{of} to {quantity}\"."
            ),
        )
    }

    fn restart(&mut self) -> Intent {
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        let (kind, name) = self.service_named_workload(kind, name, kind_at);
        // "restart the api pods", "bounce the pods of checkout": pods are
        // restarted through their workload (a rolling restart, as `kubectl
        // rollout restart` does), never by deleting pods picked on a guess.
        let pods_at = kind_at.filter(|&k| {
            matches!(
                self.tokens[k].kind(),
                Some((ResourceKind::Pod, Number::Plural))
            )
        });
        let (kind, name) = match pods_at {
            Some(k) => {
                // "restart the checkout pods": their workload's kind is assumed.
                self.deployment_assumed = true;
                (
                    Some(ResourceKind::Deployment),
                    name.or_else(|| self.workload_before_pods(k)),
                )
            }
            None => (kind, name),
        };
        let namespace = self.take_namespace(false, true);
        // "restart postgres-0": a pod's generated name; its controller
        // replaces it once deleted, as "restart pod postgres-0" does.
        let pronoun = self
            .tokens
            .iter()
            .any(|t| matches!(t.low, "it" | "them" | "that" | "this"));
        let kind = match (kind_at, &name) {
            (None, Some(name)) if looks_like_pod_name(name) && !pronoun => {
                self.deployment_assumed = false;
                ResourceKind::Pod
            }
            _ => kind.unwrap_or(ResourceKind::Deployment),
        };
        let Some(name) = name else {
            if pods_at.is_some() {
                return Intent::clarify(
                    vec![Param::Name],
                    "Which workload's pods should I restart? I restart pods through their deployment, statefulset or daemonset (a rolling restart), named.",
                );
            }
            return Self::unnamed_change(Some(kind), "restart", namespace, self.asks_for_many());
        };
        match kind {
            // A pod cannot be restarted in place: its controller replaces a deleted pod.
            ResourceKind::Pod => {
                let arguments = Arguments {
                    name: Some(name),
                    namespace,
                    ..self.base()
                };
                Intent::Mutation {
                    operation: Operation::Delete,
                    tool: Tool::PodsDelete,
                    arguments,
                    kind_defaulted: false,
                }
            }
            ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet => {
                let resource = manifest::restart(kind, &name, namespace.as_deref());
                self.create_update(resource)
            }
            other => Intent::clarify(
                vec![Param::Kind],
                format!(
                    "{} {} cannot be restarted. I can restart deployments, statefulsets and daemonsets.",
                    capital_article(other.noun()),
                    other.noun()
                ),
            ),
        }
    }

    /// "roll back checkout", "undo the last rollout of web in production",
    /// "rollback statefulset postgres", "revert checkout to revision 3":
    /// `kubectl rollout undo`, as a create_update whose pod template is the
    /// placeholder of the revision (`manifest::rollback`). The workflow
    /// reads the workload's history and plans the revision's template; the
    /// classifier never guesses an image. Only workloads with revisions
    /// (Deployment, StatefulSet, DaemonSet) roll back; a Deployment is
    /// assumed when no kind is named (`kind_defaulted`).
    fn rollback(&mut self) -> Intent {
        let revision = match self.revision_asked() {
            RevisionAsked::Previous => None,
            RevisionAsked::Numbered(number) => Some(number),
            RevisionAsked::CountedBack => {
                return Intent::clarify(
                    vec![Param::Resource],
                    "Which revision should it go back to? A revision is named by its number: say \"roll back NAME to revision N\" (its revisions are its ReplicaSets or ControllerRevisions: \"list replicasets for NAME\" shows them).",
                );
            }
        };
        // "undo the scale of web", "undo the label change": no revision
        // holds a replica count, a label or a node's state.
        if let Some(noun) = self.rollback_of_other_change() {
            return Intent::clarify(
                vec![Param::Resource],
                format!(
                    "A rollback goes back to an earlier pod template (images, environment, probes); it does not undo a {noun}. Tell me the change that undoes it (for example \"scale web to 3\"), and I plan that."
                ),
            );
        }
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        let (kind, name) = self.service_named_workload(kind, name, kind_at);
        // "undo the last change to checkout": what was changed is named
        // after "to", a place a name is otherwise not taken from.
        let name = name.or_else(|| {
            let at = (0..self.len())
                .find(|&i| self.is_value(i) && self.place(i, kind_at) == Place::To)?;
            self.use_token(at);
            Some(owned(self.tokens[at].raw))
        });
        // "go back to the previous cart version": the name between the
        // earlier revision's adjective and its noun.
        let name = name.or_else(|| {
            let at = (1..self.len().saturating_sub(1)).find(|&i| {
                self.is_value(i)
                    && matches!(
                        self.low(i - 1),
                        "previous" | "last" | "old" | "older" | "earlier"
                    )
                    && matches!(
                        self.low(i + 1),
                        "version" | "revision" | "release" | "image" | "build" | "deploy"
                    )
            })?;
            Some(self.take_value(at))
        });
        let namespace = self.take_namespace(false, true);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        match kind {
            ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet => {
                let Some(name) = name else {
                    return Self::missing_name(Some(kind), "roll back");
                };
                self.create_update(manifest::rollback(
                    kind,
                    &name,
                    namespace.as_deref(),
                    revision,
                ))
            }
            other => Intent::clarify(
                vec![Param::Kind],
                format!(
                    "{} {} keeps no revisions to roll back to. I can roll back deployments, statefulsets and daemonsets (to their previous revision, or \"to revision N\").",
                    capital_article(other.noun()),
                    other.noun()
                ),
            ),
        }
    }

    /// The revision a rollback names: "to revision 3", "rev 2", "revision
    /// #4", "version 3", `--to-revision=3`; the previous one when none (or
    /// revision 0, as kubectl reads it).
    fn revision_asked(&mut self) -> RevisionAsked {
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.low == "--to-revision" {
                let value = token.value.or_else(|| {
                    self.tokens
                        .get(i + 1)
                        .map(|next| next.raw)
                        .filter(|raw| parse_number(raw).is_some())
                });
                if let Some(number) = value.and_then(parse_number) {
                    if token.value.is_none() {
                        self.use_token(i + 1);
                    }
                    self.use_token(i);
                    return if number > 0 {
                        RevisionAsked::Numbered(number)
                    } else {
                        RevisionAsked::Previous
                    };
                }
                continue;
            }
            if matches!(
                token.low,
                "revisions" | "versions" | "releases" | "rollouts"
            ) && i
                .checked_sub(1)
                .is_some_and(|before| self.number_at(before).is_some())
            {
                return RevisionAsked::CountedBack;
            }
            if !matches!(token.low, "revision" | "rev" | "version") {
                continue;
            }
            let mut at = i + 1;
            while matches!(self.low(at), "number" | "no" | "no." | "#") {
                at += 1;
            }
            if let Some(number) = self.number_at(at).filter(|n| *n > 0) {
                for used in i..=at {
                    self.use_token(used);
                }
                return RevisionAsked::Numbered(number);
            }
        }
        RevisionAsked::Previous
    }

    /// The number written at `i` ("3", "#3").
    fn number_at(&self, i: usize) -> Option<u32> {
        let token = self.tokens.get(i)?;
        if token.shape != Shape::Word {
            return None;
        }
        match token.lex {
            Lex::W(W::Number(n)) => Some(n),
            _ => parse_number(token.low.strip_prefix('#').unwrap_or(token.low)),
        }
    }

    /// The change a rollback request says it undoes when no revision holds
    /// it ("undo the scale of web"): its noun, for the question.
    fn rollback_of_other_change(&self) -> Option<&'static str> {
        self.tokens.iter().find_map(|token| match token.w() {
            Some(W::Change(Change::Scale)) => Some("scale"),
            Some(W::Change(Change::Label)) => Some("label change"),
            Some(W::Change(Change::Annotate)) => Some("annotation change"),
            Some(W::Change(Change::Cordon | Change::Uncordon)) => Some("cordon"),
            Some(W::Change(Change::Delete)) => Some("deletion"),
            Some(W::Change(Change::Suspend | Change::Resume)) => Some("pause or suspension"),
            Some(W::Change(Change::Taint)) => Some("taint"),
            _ => None,
        })
    }

    fn create_update(&self, resource: String) -> Intent {
        let arguments = Arguments {
            resource: Some(resource),
            ..self.base()
        };
        Intent::Mutation {
            operation: Operation::CreateUpdate,
            tool: Tool::ResourcesCreateOrUpdate,
            arguments,
            kind_defaulted: false,
        }
    }

    /// "expose deployment nginx --port 80", "create a service for web on
    /// port 8080": a new Service selecting the pods of one workload, as
    /// `kubectl expose` makes it. Its selector is a placeholder the
    /// workflow fills from the live workload (the classifier never guesses
    /// labels), its ports are the request's or, when it names none, the
    /// containers' (read by the workflow too).
    fn expose(&mut self) -> Intent {
        // "a service for web": the Service is what is made, not the target.
        self.use_kind_words(ResourceKind::Service);
        let (kind, name, _) = self.target(Some(ResourceKind::Deployment));
        let namespace = self.take_namespace(true, false);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        let Some(workload) = name else {
            return Self::missing_name(Some(kind), "expose");
        };
        if !matches!(
            kind,
            ResourceKind::Deployment
                | ResourceKind::StatefulSet
                | ResourceKind::DaemonSet
                | ResourceKind::ReplicaSet
                | ResourceKind::Pod
        ) {
            return Intent::clarify(
                vec![Param::Kind],
                format!(
                    "A Service exposes the pods of a deployment, statefulset, daemonset, replicaset or pod; a {} has none. Which workload should it select?",
                    kind.noun()
                ),
            );
        }
        let service = self.named_flag.clone().unwrap_or_else(|| workload.clone());
        let resource = manifest::exposed_service(&manifest::Exposed {
            service: &service,
            namespace: namespace.as_deref(),
            kind,
            workload: &workload,
            port: self.port,
            target_port: self.target_port,
            service_type: self.service_type,
        });
        Intent::Mutation {
            operation: Operation::CreateUpdate,
            tool: Tool::ResourcesCreateOrUpdate,
            arguments: Arguments {
                resource: Some(resource),
                ..self.base()
            },
            kind_defaulted: self.deployment_assumed,
        }
    }

    /// `kubectl autoscale deployment web --min=2 --max=10 --cpu-percent=70`:
    /// the autoscaler's bounds (and CPU target) on the autoscaler named
    /// after the workload, without its target, so the workflow changes the
    /// one that scales the workload or plans a whole new one for it. Without
    /// `--max` it is asked about: an autoscaler needs one, and words ("an
    /// hpa for checkout min 2 max 10") are not read as flags.
    fn autoscale(&mut self) -> Intent {
        if self.autoscale.max.is_none() {
            return self.unsupported(Change::Autoscale);
        }
        self.use_kind_words(ResourceKind::HorizontalPodAutoscaler);
        let (kind, name, _) = self.target(Some(ResourceKind::Deployment));
        let namespace = self.take_namespace(true, false);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        let Some(name) = name else {
            return Self::missing_name(Some(kind), "autoscale");
        };
        if !matches!(kind, ResourceKind::Deployment | ResourceKind::StatefulSet) {
            return Intent::clarify(
                vec![Param::Kind],
                format!(
                    "I autoscale deployments and statefulsets; a {} has no replicas to scale.",
                    kind.noun()
                ),
            );
        }
        let resource = manifest::autoscaler(&name, namespace.as_deref(), self.autoscale);
        Intent::Mutation {
            operation: Operation::CreateUpdate,
            tool: Tool::ResourcesCreateOrUpdate,
            arguments: Arguments {
                resource: Some(resource),
                ..self.base()
            },
            kind_defaulted: self.deployment_assumed,
        }
    }

    fn create(&mut self) -> Intent {
        // "create a service for web on port 8080", "add a service for the
        // api deployment": the Service that exposes web.
        let service_at = self
            .kinds()
            .find(|&(_, kind, _)| kind == ResourceKind::Service)
            .map(|(at, _, _)| at);
        if let Some(service_at) = service_at
            && self.is_w(service_at + 1, W::For)
        {
            self.use_token(service_at + 1);
            return self.expose();
        }
        let network = self.has_w_anywhere(&[W::Network]);
        let debug = self.has_w_anywhere(&[W::Debug, W::Busybox]);
        let (kind, name, _) = self.target(None);
        let namespace = self.take_namespace(true, false);
        // `kubectl create job NAME --from=cronjob/X`: a run of X now.
        if let Some(cronjob) = self.from_cronjob.clone()
            && kind.is_none_or(|kind| kind == ResourceKind::Job)
        {
            let job = name.unwrap_or_else(|| manifest::manual_job_name(&cronjob));
            return self.create_update(manifest::job_from_cronjob(
                &job,
                namespace.as_deref(),
                &cronjob,
            ));
        }
        // "create a job from cronjob report", "make a job from the report
        // cronjob": the same, in words.
        let cronjob_at = self
            .kinds()
            .find(|&(_, kind, _)| kind == ResourceKind::CronJob)
            .map(|(at, _, _)| at);
        if kind == Some(ResourceKind::Job)
            && let Some(cronjob_at) = cronjob_at
            && (0..cronjob_at).any(|i| self.is_w(i, W::From))
        {
            // ("from the report cronjob": the target taken may be its name.)
            let beside = |name: &String| {
                [cronjob_at.wrapping_sub(1), cronjob_at + 1]
                    .iter()
                    .any(|&i| self.tokens.get(i).is_some_and(|t| t.raw == name.as_str()))
            };
            let (name, cronjob) = match name {
                Some(name) if beside(&name) => (None, Some(name)),
                name => (name, self.take_name(Some(cronjob_at), true)),
            };
            let Some(cronjob) = cronjob else {
                return Self::missing_name(Some(ResourceKind::CronJob), "run");
            };
            self.use_token(cronjob_at);
            let job = name.unwrap_or_else(|| manifest::manual_job_name(&cronjob));
            return self.create_update(manifest::job_from_cronjob(
                &job,
                namespace.as_deref(),
                &cronjob,
            ));
        }
        let kind = match kind {
            Some(kind) => kind,
            None if self.image.is_some() => ResourceKind::Deployment,
            None if network || debug => return self.run_debug_pod_named(name, namespace, network),
            None => {
                return Intent::clarify(
                    vec![Param::Kind],
                    "What kind of resource should I create: a namespace, a deployment, a configmap...?",
                );
            }
        };
        if kind == ResourceKind::Pod && (network || debug) && self.image.is_none() {
            return self.run_debug_pod_named(name, namespace, network);
        }
        let name = match name {
            Some(name) => name,
            None if kind == ResourceKind::Deployment && self.image.is_some() => {
                manifest::name_from_image(self.image.as_deref().unwrap_or_default())
            }
            None => return Self::missing_name(Some(kind), "create"),
        };
        let ns = namespace.as_deref();
        let resource = match kind {
            ResourceKind::Namespace => manifest::namespace(&name),
            ResourceKind::Deployment
            | ResourceKind::StatefulSet
            | ResourceKind::DaemonSet
            | ResourceKind::Job
            | ResourceKind::CronJob
            | ResourceKind::Pod => {
                let Some(image) = self.image.clone() else {
                    return Intent::clarify(
                        vec![Param::Image],
                        format!("Which image should the {} {name} run?", kind.noun()),
                    );
                };
                if kind == ResourceKind::Pod {
                    let arguments = Arguments {
                        image: Some(image),
                        name: Some(name),
                        namespace,
                        port: self.port,
                        ..self.base()
                    };
                    return Intent::Mutation {
                        operation: Operation::Run,
                        tool: Tool::PodsRun,
                        arguments,
                        kind_defaulted: false,
                    };
                }
                if kind == ResourceKind::CronJob && self.schedule.is_none() {
                    return Intent::clarify(
                        vec![Param::Resource],
                        format!(
                            "On what schedule should the cronjob {name} run? Give a cron expression, e.g. --schedule=\"*/5 * * * *\"."
                        ),
                    );
                }
                let spec = manifest::Workload {
                    kind,
                    name: &name,
                    namespace: ns,
                    image: &image,
                    replicas: self.replicas,
                    port: self.port,
                    schedule: self.schedule.as_deref(),
                };
                manifest::workload(&spec)
            }
            ResourceKind::ConfigMap => {
                self.take_plain_literals();
                manifest::config_map(&name, ns, &self.literals)
            }
            ResourceKind::Secret => {
                self.take_plain_literals();
                if self.literals.is_empty() {
                    return Intent::clarify(
                        vec![Param::Resource],
                        format!(
                            "What should the secret {name} hold? Give key=value pairs (--from-literal=key=value)."
                        ),
                    );
                }
                manifest::secret(&name, ns, &self.literals)
            }
            ResourceKind::ServiceAccount => manifest::service_account(&name, ns),
            other => {
                return Intent::clarify(
                    vec![Param::Resource],
                    format!(
                        "I cannot build a {} from these words alone. Paste the manifest you want applied.",
                        other.noun()
                    ),
                );
            }
        };
        self.create_update(resource)
    }

    fn run_debug_pod_named(
        &mut self,
        name: Option<String>,
        namespace: Option<String>,
        network: bool,
    ) -> Intent {
        let image = self.debug_image(network);
        if network && self.command.is_none() {
            self.command = self.network_command();
        }
        // `kubectl run ... -- sleep 3600`: the container's own command, which
        // `pods_run` cannot set; it is no test to run in the pod afterwards.
        if self.tokens.iter().any(|t| t.shape == Shape::DoubleDash) {
            self.command = None;
        }
        let arguments = Arguments {
            image: Some(image),
            name,
            namespace,
            port: self.port,
            command: self.command.take(),
            ..self.base()
        };
        Intent::Mutation {
            operation: Operation::Run,
            tool: Tool::PodsRun,
            arguments,
            kind_defaulted: false,
        }
    }

    /// Whether the request has the word `word` (lower case).
    fn says(&self, word: &str) -> bool {
        self.tokens.iter().any(|token| token.low == word)
    }

    /// "run the nightly-export cronjob now", "trigger cronjob x", "kick
    /// off the report cronjob": a Job
    /// created from the CronJob's job template, as `kubectl create job
    /// --from=cronjob/x` does, named after the CronJob (the workflow reads
    /// the template and shows what will run on the plan).
    fn run_cronjob_now(&mut self) -> Intent {
        // "kick off": the particle is no name.
        for i in 1..self.len() {
            if self.low(i) == "off" && self.low(i - 1) == "kick" {
                self.use_token(i);
            }
        }
        let (_, name, _) = self.target(Some(ResourceKind::CronJob));
        let namespace = self.take_namespace(true, false);
        let Some(cronjob) = name else {
            return Self::missing_name(Some(ResourceKind::CronJob), "run");
        };
        let job = manifest::manual_job_name(&cronjob);
        self.create_update(manifest::job_from_cronjob(
            &job,
            namespace.as_deref(),
            &cronjob,
        ))
    }

    /// "run": a new pod from an image (`kubectl run`), a debug pod, or a
    /// command in an existing pod ("run ls in pod web").
    fn run(&mut self) -> Intent {
        // "launch an nginx pod": a well-known image's name before "pod".
        if self.image.is_none()
            && let Some(i) = (1..self.len()).find(|&i| {
                matches!(
                    self.tokens[i].kind(),
                    Some((ResourceKind::Pod, Number::Singular))
                ) && self.is_value(i - 1)
                    && WELL_KNOWN_IMAGES.contains(&self.tokens[i - 1].low)
            })
        {
            self.image = Some(owned(self.tokens[i - 1].raw));
            self.use_token(i - 1);
        }
        let run_at = self
            .changes
            .iter()
            .find(|(_, c)| *c == Change::Run)
            .map(|(i, _)| *i);
        // `kubectl run curl --image=...`: the pod's name is no network test.
        let named_at = run_at.filter(|_| self.kubectl).map(|at| at + 1);
        let network = (0..self.len()).any(|i| Some(i) != named_at && self.is_w(i, W::Network));
        let debug = self.has_w_anywhere(&[W::Debug, W::Busybox]);
        let in_existing_pod = self.existing_pod_phrase();
        if in_existing_pod && self.image.is_none() {
            return self.exec();
        }
        if self.image.is_none() && !network && !debug {
            if self.has_w_anywhere(&[W::Shell]) {
                return self.exec();
            }
            let kind_at = self.main_kind().map(|(i, _, _)| i);
            let name = self.take_name(kind_at, false);
            return Intent::clarify(
                vec![Param::Image],
                match name {
                    Some(name) => format!("Which image should the pod {name} run?"),
                    None => "Which image should I run? I need an image (e.g. busybox).".to_owned(),
                },
            );
        }
        // `kubectl run debug --image=busybox`: the word after `run` names the pod,
        // even when it is a word like "debug".
        let kubectl_name = run_at.filter(|_| self.kubectl).and_then(|at| {
            (at + 1..self.len()).find(|&j| !self.used[j]).filter(|&j| {
                self.tokens[j].shape == Shape::Word
                    && is_name_shaped(self.tokens[j].low)
                    && matches!(
                        self.tokens[j].lex,
                        Lex::Unknown | Lex::W(W::Debug | W::Busybox | W::Network)
                    )
            })
        });
        if let Some(j) = kubectl_name {
            self.use_token(j);
        }
        let (kind, name, _) = self.target(None);
        let name = kubectl_name.map(|j| owned(self.tokens[j].raw)).or(name);
        if kind.is_some_and(|k| k != ResourceKind::Pod) {
            return Intent::clarify(
                vec![Param::Kind],
                "`run` starts a pod. What should I create instead?",
            );
        }
        let namespace = self.take_namespace(true, false);
        self.run_debug_pod_named(name, namespace, network)
    }

    /// "in pod web", "inside web-1", "on pod x", "in the checkout pod", "in
    /// one of the web pods": a command for an existing pod.
    fn existing_pod_phrase(&self) -> bool {
        let pod_word = |j: usize| {
            matches!(
                self.tokens.get(j).and_then(Token::kind),
                Some((ResourceKind::Pod, _))
            )
        };
        (0..self.len()).any(|i| {
            matches!(self.w(i), Some(W::In | W::Into | W::On)) && {
                let next = self.next_meaningful(i).map(|j| {
                    if self.low(j) == "one" && self.is_w(j + 1, W::Of) {
                        self.next_meaningful(j + 1).unwrap_or(j)
                    } else {
                        j
                    }
                });
                next.is_some_and(|j| {
                    pod_word(j)
                        || (self.is_value(j)
                            && self.looks_generated(j)
                            && !self.is_w(j + 1, W::Context))
                        || (self.is_value(j) && self.next_meaningful(j).is_some_and(pod_word))
                        || matches!(self.tokens[j].w(), Some(W::Container))
                })
            }
        })
    }

    fn exec(&mut self) -> Intent {
        if self.command.is_none() {
            self.command = self.command_words();
            // "run curl in web-1 against http://checkout": the target of a
            // network tool, written after the pod.
            if let Some(command) = &self.command
                && command.len() == 1
                && matches!(
                    command[0].as_str(),
                    "curl" | "wget" | "ping" | "nslookup" | "dig"
                )
                && let Some(i) = (1..self.len()).find(|&i| {
                    !self.used[i]
                        && matches!(self.tokens[i].shape, Shape::Word | Shape::Quoted)
                        && matches!(self.low(i - 1), "against" | "at")
                })
            {
                self.use_token(i - 1);
                self.use_token(i);
                let target = self.tokens[i].raw.to_owned();
                if let Some(command) = &mut self.command {
                    command.push(target);
                }
            }
        }
        let kind = self.kinds().next();
        if let Some((kind_at, kind, _)) = kind
            && matches!(
                kind,
                ResourceKind::Deployment
                    | ResourceKind::StatefulSet
                    | ResourceKind::DaemonSet
                    | ResourceKind::Job
            )
        {
            // `kubectl exec deploy/api -- env`: one of the workload's pods,
            // which the workflow resolves from the name (and asks about when
            // the workload has several), as kubectl picks one.
            if let Some(name) = self.take_name(Some(kind_at), true) {
                self.use_token(kind_at);
                return self.exec_in(name);
            }
            return Intent::clarify(
                vec![Param::Name],
                format!(
                    "Which pod of the {} should I run the command in? I need the pod's name.",
                    kind.noun()
                ),
            );
        }
        let (_, name, kind_at) = self.target(Some(ResourceKind::Pod));
        // "in one of the checkout pods": a pod of the workload, which the
        // workflow picks (or asks about) from the name.
        let name = name.or_else(|| kind_at.and_then(|k| self.app_of_pods(k)));
        let Some(name) = name.or_else(|| self.pod_after_in()) else {
            // "exec ls in a pod in monitoring": the place is kept (in the
            // question, and for the workflow to offer the pods there), the
            // pod is never guessed.
            let namespace = self.take_namespace(false, true);
            let question = match &namespace {
                Some(namespace) => Intent::clarify(
                    vec![Param::Name],
                    format!(
                        "Which pod in namespace {namespace} should I run the command in? I need its name."
                    ),
                ),
                None => Self::missing_name(Some(ResourceKind::Pod), "run the command in"),
            };
            return Self::in_scope(question, Some(ResourceKind::Pod), namespace);
        };
        self.exec_in(name)
    }

    /// "open a shell in web-1", "exec env in checkout-abc in payments": a
    /// command needs a pod, so the value after "in" is the pod when it looks
    /// like one, or when a second "in" (or a flag) gives the namespace, or
    /// when it is the only place named and no namespace's usual name. The
    /// place of an unnamed pod ("in a pod in monitoring") is its namespace.
    fn pod_after_in(&mut self) -> Option<String> {
        let ins: Vec<usize> = (0..self.len())
            .filter(|&i| {
                self.is_value(i)
                    && self.place(i, None) == Place::In
                    && !self
                        .prev_meaningful(i)
                        .and_then(|p| self.prev_meaningful(p))
                        .is_some_and(|k| {
                            matches!(self.tokens[k].kind(), Some((ResourceKind::Pod, _)))
                        })
            })
            .collect();
        let i = *ins.iter().find(|&&i| {
            looks_like_pod_name(self.tokens[i].low)
                || ins.len() > 1
                || (self.namespace.is_some() || ins.len() == 1)
                    && !is_namespace_word(self.tokens[i].low)
        })?;
        Some(self.take_value(i))
    }

    /// "create a configmap app with LOG_LEVEL=debug": `key=value` pairs
    /// written plainly are the data, as `--from-literal` ones are.
    fn take_plain_literals(&mut self) {
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape == Shape::Assign
                && !self.used[i]
                && let Some(value) = token.value
            {
                self.literals.push((token.raw.to_owned(), value.to_owned()));
                self.use_token(i);
            }
        }
    }

    /// The exec of the request's command in pod `name`.
    fn exec_in(&mut self, name: String) -> Intent {
        let namespace = self.take_namespace(false, true);
        let Some(command) = self.command.take() else {
            return Intent::clarify(
                vec![Param::Command],
                format!("What command should I run in pod {name}?"),
            );
        };
        let arguments = Arguments {
            name: Some(name),
            namespace,
            container: self.container.clone(),
            command: Some(command),
            ..self.base()
        };
        Intent::Mutation {
            operation: Operation::Exec,
            tool: Tool::PodsExec,
            arguments,
            kind_defaulted: false,
        }
    }

    /// The command of "exec ls -l /tmp in pod web" or "run `cat x` on web-1":
    /// a quoted string, or the words between the verb and "in/on pod".
    fn command_words(&mut self) -> Option<Vec<String>> {
        // A quoted argument of the command's own option (`psql -c 'select
        // 1'`) is part of the command line, not the whole command.
        if let Some(i) =
            (0..self.len()).find(|&i| !self.used[i] && self.tokens[i].shape == Shape::Quoted)
            && (i == 0 || self.used[i - 1] || self.tokens[i - 1].shape != Shape::Flag)
        {
            self.use_token(i);
            let words: Vec<String> = self.tokens[i]
                .raw
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            return (!words.is_empty()).then_some(words);
        }
        let verb_at = self
            .changes
            .iter()
            .rev()
            .find(|(_, c)| matches!(c, Change::Run | Change::Exec))
            .map(|(i, _)| *i)?;
        self.command_words_from(verb_at + 1)
    }

    /// The words of a command line from `start` up to "in/on/from pod x",
    /// a kind, a chain or a used token.
    fn command_words_from(&mut self, start: usize) -> Option<Vec<String>> {
        let mut words = Vec::new();
        let mut j = start;
        while j < self.len() {
            let token = self.tokens[j];
            if matches!(token.shape, Shape::Chain | Shape::Pipe) {
                break;
            }
            // "df -h", "ls -la /tmp": the command's own options (not
            // kubectl's, whose values were taken as flags).
            if token.shape == Shape::Flag
                && !words.is_empty()
                && (!self.used[j]
                    || !matches!(
                        token.low,
                        "-n" | "--namespace"
                            | "-c"
                            | "--container"
                            | "--context"
                            | "-it"
                            | "-i"
                            | "-t"
                    ))
            {
                words.push(token.raw.to_owned());
                self.use_token(j);
                j += 1;
                // `-c 'select 1'`: the option's quoted value is one argument.
                if let Some(next) = self.tokens.get(j)
                    && next.shape == Shape::Quoted
                    && !self.used[j]
                {
                    words.push(next.raw.to_owned());
                    self.use_token(j);
                    j += 1;
                }
                continue;
            }
            let stops = match token.w() {
                Some(W::In | W::Into | W::On | W::From) => {
                    self.next_meaningful(j).is_some_and(|k| {
                        self.tokens[k].kind().is_some()
                            || self.is_value(k)
                            || self.is_w(k, W::Container)
                            // "from inside the checkout pod".
                            || matches!(self.w(k), Some(W::In | W::Into))
                            // "in one of the web pods".
                            || (self.low(k) == "one" && self.is_w(k + 1, W::Of))
                    })
                }
                Some(W::Filler) if words.is_empty() => {
                    j += 1;
                    continue;
                }
                _ => self.used[j] || token.kind().is_some(),
            };
            if stops {
                break;
            }
            words.push(token.raw.to_owned());
            self.use_token(j);
            j += 1;
        }
        if words
            .first()
            .is_some_and(|w| matches!(w.as_str(), "command" | "the" | "a"))
        {
            words.remove(0);
        }
        (!words.is_empty()).then_some(words)
    }

    /// "set image deployment/web web=nginx:1.28", "update the image of web to nginx:1.28".
    fn update(&mut self) -> Intent {
        let mentions_image = self.has_w_anywhere(&[W::Image])
            || self.image.is_some()
            || self
                .tokens
                .iter()
                .any(|t| t.shape == Shape::Assign && t.value.is_some_and(is_image_shaped));
        if self.replicas.is_some() && !mentions_image {
            return self.scale();
        }
        if !mentions_image {
            return self.unsupported(Change::Edit);
        }
        // `container=image` pairs name the container.
        let mut container = self.container.clone();
        let mut image = self.image.clone();
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape == Shape::Assign
                && !self.used[i]
                && let Some(value) = token.value
            {
                container = Some(owned(token.raw));
                image = Some(value.to_owned());
                self.use_token(i);
                break;
            }
        }
        for i in 0..self.len() {
            if self.is_w(i, W::Image) {
                self.use_token(i);
            }
        }
        // "set the image of checkout to 3.2.1": a tag alone, put on the
        // repository the container runs (the workflow reads it).
        if image.is_none()
            && let Some(at) = (1..self.len()).find(|&i| {
                !self.used[i]
                    && self.is_w(i - 1, W::To)
                    && self.tokens[i].shape == Shape::Word
                    && manifest::is_tag_shaped(self.tokens[i].raw)
            })
        {
            self.use_token(at);
            image = Some(manifest::image_tag(self.tokens[at].raw));
        }
        let (kind, name, kind_at) = self.target(Some(ResourceKind::Deployment));
        // "roll out shop/checkout:2.0 to checkout": the workload after "to".
        // "set image web=nginx:1.28 on web", "... for checkout": after "on",
        // "for" or "of".
        let name = name
            .or_else(|| {
                image.as_ref()?;
                self.take_value_at(Place::To, kind_at, |token| !is_namespace_word(token.low))
            })
            .or_else(|| self.object_after_on())
            .or_else(|| {
                self.take_value_at(Place::Of, kind_at, |token| !is_namespace_word(token.low))
            });
        let namespace = self.take_namespace(false, true);
        let kind = kind.unwrap_or(ResourceKind::Deployment);
        let Some(name) = name else {
            // `set image web-frontend=nginx:1.28`: a container named, but
            // not the workload it is in.
            if let (Some(container), Some(image)) = (&container, &image) {
                return Intent::clarify(
                    vec![Param::Name],
                    format!(
                        "Which {noun} is the container {container} in? Say e.g. \"set image {noun}/{container} {container}={image}{in_namespace}\" when the {noun} has the container's name.",
                        noun = kind.noun(),
                        in_namespace = namespace
                            .as_deref()
                            .map(|namespace| format!(" -n {namespace}"))
                            .unwrap_or_default(),
                    ),
                );
            }
            return Self::unnamed_change(Some(kind), "update", namespace, self.asks_for_many());
        };
        let Some(image) = image else {
            return Intent::clarify(
                vec![Param::Image],
                format!("Which image should {} {name} run?", kind.noun()),
            );
        };
        if !matches!(
            kind,
            ResourceKind::Deployment | ResourceKind::StatefulSet | ResourceKind::DaemonSet
        ) {
            return self.unsupported(Change::Set);
        }
        // No container named: the workflow fills in the workload's only one
        // when it reads the live object, and asks when there are several.
        let container = container.unwrap_or_else(|| manifest::CONTAINER_PLACEHOLDER.to_owned());
        self.create_update(manifest::set_image(
            kind,
            &name,
            namespace.as_deref(),
            &container,
            &image,
        ))
    }

    fn node_schedulable(&mut self, cordon: bool) -> Intent {
        let (kind, name, _) = self.target(Some(ResourceKind::Node));
        if kind.is_some_and(|k| k != ResourceKind::Node) {
            return Intent::clarify(vec![Param::Kind], "Only nodes can be cordoned. Which node?");
        }
        let verb = if cordon { "cordon" } else { "uncordon" };
        let Some(name) = name else {
            return Self::missing_name(Some(ResourceKind::Node), verb);
        };
        self.create_update(manifest::node_unschedulable(&name, cordon))
    }

    fn label_or_annotate(&mut self, label: bool) -> Intent {
        let mut pairs = Vec::new();
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape == Shape::Assign
                && !self.used[i]
                && let Some(value) = token.value
            {
                pairs.push((token.raw.to_owned(), value.to_owned()));
                self.use_token(i);
            }
        }
        let what = if label { "label" } else { "annotation" };
        let (kind, name, _) = self.target(None);
        // "label node-1 with disk=ssd": a node's usual name says its kind.
        let kind = kind.or_else(|| {
            name.as_deref()
                .filter(|name| is_node_name_shaped(name))
                .map(|_| ResourceKind::Node)
        });
        let namespace = self.take_namespace(false, true);
        // "add label env=prod to namespace payments": the namespace is the object.
        let (kind, name, namespace) = match (kind, name, namespace) {
            (None, None, Some(namespace))
                if self
                    .tokens
                    .iter()
                    .any(|t| matches!(t.kind(), Some((ResourceKind::Namespace, _)))) =>
            {
                (Some(ResourceKind::Namespace), Some(namespace), None)
            }
            other => other,
        };
        let Some(kind) = kind else {
            return Intent::clarify(
                vec![Param::Kind],
                format!("What kind of resource should get the {what}?"),
            );
        };
        let Some(name) = name else {
            return Self::missing_name(Some(kind), if label { "label" } else { "annotate" });
        };
        if pairs.is_empty() {
            return Intent::clarify(
                vec![Param::Resource],
                format!(
                    "Which {what} should {} {name} get? Write it as key=value.",
                    kind.noun()
                ),
            );
        }
        self.create_update(manifest::metadata(
            kind,
            &name,
            namespace.as_deref(),
            label,
            &pairs,
        ))
    }

    /// "remove the label team from checkout", `kubectl label deploy web
    /// team-`, "unlabel", "remove env LOG_LEVEL from nginx", `kubectl set
    /// env deploy/nginx LOG_LEVEL-`, "unset env DEBUG on web": one change,
    /// a label's, an annotation's or an environment variable's removal.
    /// kubeop applies the fields it sets and cannot remove one exactly, so
    /// it says so and how (never "more than one change", never asking for a
    /// `key=value` or for the kind of the key).
    fn field_removal(&mut self, ops: &[Change]) -> Option<Intent> {
        // The word naming what goes: "label", "labels", "annotation",
        // `unlabel`, "env", "variable".
        let field_at = (0..self.len()).find(|&i| {
            matches!(
                self.low(i),
                "label"
                    | "labels"
                    | "unlabel"
                    | "annotation"
                    | "annotations"
                    | "annotate"
                    | "env"
                    | "environment"
                    | "envvar"
                    | "envvars"
                    | "variable"
                    | "variables"
                    | "var"
                    | "vars"
            )
        })?;
        let field = self.low(field_at);
        let (what, env) = if field.starts_with("annot") {
            ("annotation", false)
        } else if field.contains("label") {
            ("label", false)
        } else {
            ("environment variable", true)
        };
        let delete_at = self
            .changes
            .iter()
            .find(|(_, c)| normalize_change(*c) == Change::Delete)
            .map(|(i, _)| *i);
        let spoken = if env {
            delete_at.is_some_and(|at| at < field_at) || self.low_any("unset")
        } else {
            (delete_at.is_some() && self.prev_meaningful(field_at) == delete_at)
                || field == "unlabel"
        };
        let allowed = ops.iter().any(|op| {
            if env {
                matches!(op, Change::Delete | Change::Set)
            } else {
                matches!(op, Change::Label | Change::Annotate | Change::Delete)
            }
        });
        // `team-`: kubectl's removal of the key before the dash.
        let dashed = (field_at + 1..self.len()).find(|&i| {
            let token = self.tokens[i];
            token.shape == Shape::Word
                && token.low.len() > 1
                && token.low.ends_with('-')
                && is_name_shaped(&token.low[..token.low.len() - 1])
        });
        if !allowed || (!spoken && dashed.is_none()) {
            return None;
        }
        if let Some(at) = delete_at {
            self.use_token(at);
        }
        self.use_token(field_at);
        // ("the env var LOG_LEVEL": the second word of the field's name.)
        let mut key_from = field_at;
        while self
            .tokens
            .get(key_from + 1)
            .is_some_and(|t| matches!(t.low, "var" | "vars" | "variable" | "variables"))
        {
            key_from += 1;
            self.use_token(key_from);
        }
        let env_key = env
            .then(|| {
                (0..self.len()).find(|&i| {
                    !self.used[i]
                        && self.tokens[i].shape == Shape::Word
                        && is_environment_key(self.tokens[i].raw)
                })
            })
            .flatten();
        let key = match (dashed, env_key) {
            (Some(i), _) => {
                self.use_token(i);
                Some(self.tokens[i].raw.trim_end_matches('-').to_owned())
            }
            (None, Some(i)) => {
                self.use_token(i);
                Some(self.tokens[i].raw.to_owned())
            }
            // "delete the label env from ...": any word names the key.
            (None, None) => self.explicit_value_after(key_from).map(|i| {
                self.use_token(i);
                self.tokens[i].raw.to_owned()
            }),
        };
        let (kind, name, _) = self.target(None);
        // ("remove env DEBUG from web": the workload after "from", "on".)
        let name = name
            .or_else(|| self.take_value_at(Place::Of, None, |token| !is_namespace_word(token.low)))
            .or_else(|| self.object_after_on());
        let namespace = self.take_namespace(false, true);
        let key = key.unwrap_or_else(|| "KEY".to_owned());
        let object = match (&kind, &name) {
            (Some(kind), Some(name)) => format!("{} {name}", kind.noun()),
            (None, Some(name)) => name.clone(),
            _ => "the object".to_owned(),
        };
        // A kind not named: a pod's generated name is a pod's.
        let noun = kind.map_or_else(
            || match &name {
                Some(name) if looks_like_pod_name(name) => ResourceKind::Pod.noun(),
                _ => ResourceKind::Deployment.noun(),
            },
            ResourceKind::noun,
        );
        let name = name.as_deref().unwrap_or("NAME");
        let namespace = namespace
            .as_deref()
            .map(|namespace| format!(" -n {namespace}"))
            .unwrap_or_default();
        let command = match what {
            "annotation" => format!("kubectl annotate {noun} {name} {key}-{namespace}"),
            "label" => format!("kubectl label {noun} {name} {key}-{namespace}"),
            _ => format!("kubectl set env {noun}/{name} {key}-{namespace}"),
        };
        let kind_note = if kind.is_none() && name != "NAME" {
            format!(" (with its own kind if it is no {noun})")
        } else {
            String::new()
        };
        Some(Intent::clarify(
            vec![Param::Resource],
            format!(
                "Removing the {what} {key} from {object} deletes a field, and I change objects by server-side apply, which sets fields but cannot delete one that another client set. Run it with kubectl: {command}{kind_note}."
            ),
        ))
    }

    fn suspend(&mut self, suspend: bool) -> Intent {
        // "pause the rollout of web", `kubectl rollout pause deploy/web`.
        let rollout = self.low_any("rollout") || self.low_any("rollouts");
        let (kind, name, _) = self.target(rollout.then_some(ResourceKind::Deployment));
        let namespace = self.take_namespace(false, true);
        match (kind, name) {
            (Some(ResourceKind::Deployment), Some(name)) => self.create_update(
                manifest::deployment_paused(&name, namespace.as_deref(), suspend),
            ),
            (Some(ResourceKind::CronJob), Some(name)) => self.create_update(
                manifest::cronjob_suspend(&name, namespace.as_deref(), suspend),
            ),
            // "suspend db-backup": only a CronJob (or Job) is suspended;
            // a Deployment is paused.
            (None, Some(name)) if suspend && self.low_any("suspend") => self.create_update(
                manifest::cronjob_suspend(&name, namespace.as_deref(), suspend),
            ),
            (Some(ResourceKind::CronJob), None) => Self::missing_name(
                Some(ResourceKind::CronJob),
                if suspend { "suspend" } else { "resume" },
            ),
            _ => self.unsupported(if suspend {
                Change::Suspend
            } else {
                Change::Resume
            }),
        }
    }

    /// A change kubeop cannot express as one exact tool call.
    fn unsupported(&mut self, change: Change) -> Intent {
        if let Some(intent) = self.unsupported_with_steps(change) {
            return intent;
        }
        // A session held open: never made, and the user is told what to
        // run and what kubeop can do instead.
        let held_open = match change {
            Change::PortForward => Some((
                "Port-forwarding holds a tunnel open from your machine",
                "kubectl port-forward",
            )),
            Change::Copy => Some((
                "Copying files into or out of a pod streams them through your machine",
                "kubectl cp",
            )),
            Change::Attach => Some((
                "Attaching holds an interactive session open",
                "kubectl attach",
            )),
            _ => None,
        };
        if let Some((doing, command)) = held_open {
            return Intent::clarify(
                vec![Param::Intent],
                format!(
                    "{doing}, which I do not do: I answer each request once. Run `{command}` yourself. I can read the pod or Service, its logs or events, or run one command in a pod with your approval (\"exec ls /tmp in pod web-1\")."
                ),
            );
        }
        let (what, missing) = match change {
            Change::Drain => (
                "Draining a node evicts every pod on it, one by one",
                Param::Resource,
            ),
            Change::Patch | Change::Edit | Change::Replace => (
                "I cannot apply a patch or an edit as it is written. I can scale, restart, set an image, env, resources or labels, roll back, or apply a whole manifest",
                Param::Resource,
            ),
            Change::Taint => (
                "Tainting needs the exact taint (key=value:effect) and node",
                Param::Resource,
            ),
            Change::Expose => (
                "Exposing needs the service's ports and selector",
                Param::Resource,
            ),
            Change::Autoscale => (
                "Autoscaling needs the full HorizontalPodAutoscaler",
                Param::Resource,
            ),
            Change::Kill | Change::Evict => ("I need the exact pod", Param::Name),
            Change::Decrease | Change::Increase => {
                ("I need the exact target value", Param::Resource)
            }
            Change::Stop | Change::Start => (
                "Stopping or starting is not one exact change",
                Param::Resource,
            ),
            Change::Install | Change::Upgrade | Change::Uninstall => {
                ("Installing and upgrading are Helm's job", Param::Resource)
            }
            Change::Deploy | Change::Apply => ("I need the manifest to apply", Param::Resource),
            _ => (
                "I cannot turn those words into one exact change",
                Param::Intent,
            ),
        };
        Intent::clarify(
            vec![missing],
            format!(
                "{what}. Tell me exactly what to change (kind, name, namespace and the new values), or paste the manifest."
            ),
        )
    }

    /// The token holding a JSON merge patch that sets `spec.replicas` and
    /// nothing else, with the count it sets.
    fn patched_replicas(&self) -> Option<(usize, u32)> {
        (0..self.len()).find_map(|i| {
            let token = self.tokens[i];
            let text = if token.shape == Shape::Flag {
                token.value?
            } else {
                token.full
            };
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let count = compact
                .strip_prefix(r#"{"spec":{"replicas":"#)?
                .strip_suffix("}}")?;
            parse_number(count).map(|count| (i, count))
        })
    }

    /// A drain or a stop, for which kubeop has no single exact change
    /// but exact steps it can take: the question names them, for the object
    /// the request names.
    fn unsupported_with_steps(&mut self, change: Change) -> Option<Intent> {
        let kind_at = self.main_kind().map(|(i, _, _)| i);
        match change {
            Change::Drain => {
                let node = self
                    .take_name(kind_at, true)
                    .or_else(|| self.take_node_after_on())
                    .unwrap_or_else(|| "the node".to_owned());
                Some(Intent::clarify(
                    vec![Param::Resource],
                    format!(
                        "Draining {node} evicts every pod on it: many changes, and I make one at a time, each with its own plan. The steps I can take: \"cordon {node}\" (no new pods land there), then \"pods on {node}\" to list its pods, and delete them one by one (their controllers recreate them elsewhere)."
                    ),
                ))
            }
            // Only an order ("stop checkout"), not a word in a sentence.
            Change::Stop
                if self.changes.first().map(|(i, _)| *i)
                    == (0..self.len()).find(|&i| !self.is_filler(i)) =>
            {
                let name = self.take_name(kind_at, true)?;
                let namespace = self.namespace_to_repeat();
                Some(Intent::clarify(
                    vec![Param::Resource],
                    format!(
                        "Stopping {name} means scaling it to 0 replicas (its pods go, the workload and its settings stay): say \"scale {name} to 0{namespace}\", and I plan that change."
                    ),
                ))
            }
            _ => None,
        }
    }

    // --------------------------------------------------------------- read

    fn read(&mut self) -> Intent {
        if let Some(intent) = self.workload_holding() {
            return intent;
        }
        self.namespace_that_has();
        if let Some(intent) = self.on_every_node() {
            return intent;
        }
        if let Some(intent) = self.namespace_of_object() {
            return intent;
        }
        if let Some(intent) = self.completion_question() {
            return intent;
        }
        if let Some(intent) = self.restart_count_question() {
            return intent;
        }
        let main = self.questioned_object().or_else(|| self.main_kind());
        // "what did the nightly-report job print", "what does web-1 print
        // at startup": what a container printed is its log, and "print" is
        // the question's verb, never the object's name.
        let printed = (0..self.len()).find(|&i| {
            !self.used[i] && self.low(i) == "print" && (0..i).any(|j| self.is_w(j, W::Do))
        });
        if let Some(i) = printed {
            self.use_token(i);
        }
        // "journal of node worker-1", "syslog on node-2": a node's log by name.
        let journal = self.has_w_anywhere(&[W::NodeService])
            && self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "journal" | "journald" | "syslog" | "dmesg"));
        let logs = printed.is_some()
            || journal
            // "the last 50 lines from api-0": lines are a log's.
            || (self.tail.is_some() && self.has_w_anywhere(&[W::Lines]))
            || self.has_w(&[W::Logs])
            || (self.has_w(&[W::Tail]) && main.is_none_or(|(_, k, _)| k != ResourceKind::Event));
        // "which node has the most pods", "which namespace runs the fewest
        // pods": a count of pods by place, which every pod's row tells.
        let most_pods = (0..self.len()).any(|i| {
            self.is_w(i, W::Most)
                && matches!(
                    self.tokens.get(i + 1).and_then(Token::kind),
                    Some((ResourceKind::Pod, Number::Plural))
                )
        }) && self
            .kinds()
            .any(|(_, kind, _)| matches!(kind, ResourceKind::Node | ResourceKind::Namespace));
        if most_pods && !self.has_w(&[W::Logs]) {
            return Intent::ReadOnly {
                tool: Tool::PodsList,
                arguments: self.base(),
            };
        }
        let usage = self.has_w(&[W::Top, W::Usage, W::Most]) && !self.has_w_anywhere(&[W::Stats]);
        // ("disk usage on worker-2": the node's filesystem, which its stats
        // summary holds and `top` does not.)
        let stats = self.has_w_anywhere(&[W::Stats])
            || ((0..self.len()).any(|i| matches!(self.low(i), "disk" | "filesystem" | "inodes"))
                && (0..self.len())
                    .any(|i| self.is_value(i) && is_node_name_shaped(self.tokens[i].raw)));
        // "kube-proxy logs on worker-1": the node's kube-proxy log; without
        // a node, kube-proxy is the DaemonSet whose pods log it.
        // "system logs of worker-1", "kernel log on node-2": the machine's
        // own log, of a node named as nodes are.
        let system_log = (0..self.len()).any(|i| {
            matches!(self.low(i), "system" | "kernel" | "os" | "host" | "machine")
                && self.prev_meaningful(i).is_none_or(|p| !self.is_w(p, W::In))
        }) && main.is_none_or(|(_, k, _)| k == ResourceKind::Node)
            && (0..self.len()).any(|i| self.is_value(i) && is_node_name_shaped(self.tokens[i].raw));
        let node_service = self.has_w_anywhere(&[W::NodeService])
            || system_log
            || (self.low_any("kube-proxy")
                && (main.is_some_and(|(_, k, _)| k == ResourceKind::Node)
                    || (0..self.len()).any(|i| {
                        self.is_value(i)
                            && is_node_name_shaped(self.tokens[i].raw)
                            && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
                    })));
        let contexts = self
            .tokens
            .iter()
            .any(|t| matches!(t.w(), Some(W::GetContexts | W::CurrentContext)))
            || (self.has_w(&[W::Context])
                || self
                    .tokens
                    .iter()
                    .any(|t| t.low == "clusters" && !self.is_used_token(t)))
                && main.is_none();
        // "show me the config of web-frontend", "checkout's settings": a
        // named object's configuration is the object (its read shows the
        // env, mounts and the ConfigMaps it uses), never the kubeconfig.
        // ("the liveness probe of api-gateway", "tolerations of web": a
        // field of its pod template, the same.)
        if main.is_none()
            && let Some(config_at) = (0..self.len()).find(|&i| {
                self.is_w(i, W::Config)
                    || matches!(self.low(i), "settings" | "setup")
                    || (self.tokens[i].shape == Shape::Word && is_pod_template_field(self.low(i)))
            })
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && !is_namespace_word(self.tokens[i].low)
                    && (i + 1 == config_at
                        || (i > config_at
                            && self
                                .prev_meaningful(i)
                                .is_some_and(|p| matches!(self.w(p), Some(W::Of | W::For)))))
            })
        {
            self.use_token(config_at);
            let name = self.take_value(i);
            let namespace = self.take_namespace(false, true);
            let kind = if looks_like_pod_name(&name) {
                ResourceKind::Pod
            } else {
                ResourceKind::Deployment
            };
            return self.object_read(kind, name, namespace);
        }
        let kubeconfig = self.has_w_anywhere(&[W::Kubeconfig])
            || (self.has_w(&[W::Config])
                && main.is_none()
                && (self.low_any("view") || self.kubectl || self.has_w(&[W::Read, W::Describe])));
        // "current scale of web": the scale as a noun.
        let replicas = self.has_w(&[W::Replicas])
            || self.low_any("scale") && self.has_w(&[W::Question, W::Read, W::Current]);

        if let Some(intent) = self.where_am_i() {
            return intent;
        }
        // "kubectl version", "what version of kubernetes is the cluster
        // running": each node's kubelet version is in the node list.
        if main.is_none()
            && self.low_any("version")
            && (self.tokens.iter().any(|t| {
                matches!(
                    t.low,
                    "kubernetes" | "k8s" | "cluster" | "server" | "kubelet"
                )
            }) || (self.len() <= 3 && matches!(self.low(0), "kubectl" | "k")))
        {
            return Intent::ReadOnly {
                tool: Tool::ResourcesList,
                arguments: Arguments {
                    api_version: Some(Cow::Borrowed(ResourceKind::Node.api_version())),
                    kind: Some(Cow::Borrowed(ResourceKind::Node.kind())),
                    ..self.base()
                },
            };
        }
        if contexts {
            return Intent::ReadOnly {
                tool: Tool::ConfigurationContextsList,
                arguments: Arguments::default(),
            };
        }
        if kubeconfig {
            // "the kubeconfig minified", "a minified kubeconfig": `--minify`.
            let minified = self.minified.or_else(|| {
                self.tokens
                    .iter()
                    .any(|t| matches!(t.low, "minified" | "minify" | "minimal"))
                    .then_some(true)
            });
            let arguments = Arguments {
                minified,
                ..Arguments::default()
            };
            return Intent::ReadOnly {
                tool: Tool::ConfigurationView,
                arguments,
            };
        }
        if !logs
            && !usage
            && let Some(intent) = self.pod_placement()
        {
            return intent;
        }
        let node = main.is_some_and(|(_, k, _)| k == ResourceKind::Node) || node_service;
        if logs && node {
            return self.node_logs(main.map(|(i, _, _)| i));
        }
        if logs {
            return self.pod_logs(main);
        }
        // "a quick summary of prod": a namespace's overview, not a node's stats.
        if stats
            && !node
            && main.is_none()
            && let Some(i) = self.leftover_value()
            && !is_node_name_shaped(self.tokens[i].raw)
        {
            let namespace = Some(self.take_value(i));
            return Intent::HealthCheck {
                arguments: Arguments {
                    namespace,
                    ..self.base()
                },
            };
        }
        if stats && (node || main.is_none()) {
            let kind_at = main.map(|(i, _, _)| i);
            // "kubelet stats summary on worker-1": the node it runs on.
            let name = self.take_node_name(kind_at);
            let Some(name) = name else {
                return Intent::clarify(
                    vec![Param::Name],
                    "Which node's stats should I show? I need a node name.",
                );
            };
            let arguments = Arguments {
                name: Some(name),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::NodesStatsSummary,
                arguments,
            };
        }
        if usage
            && main.is_none_or(|(_, k, _)| {
                matches!(
                    k,
                    ResourceKind::Pod | ResourceKind::Node | ResourceKind::Namespace
                )
            })
        {
            return self.top(main);
        }
        // "any warnings in prod?", "what happened in staging", "what happened to web-1".
        // "what changed in production recently": the events too.
        let what_changed = self
            .tokens
            .windows(2)
            .any(|pair| pair[0].low == "what" && pair[1].low == "changed");
        if main.is_none_or(|(_, k, _)| k != ResourceKind::Event)
            && (self.has_w_anywhere(&[W::Happened])
                || (main.is_none() && what_changed)
                || (main.is_none() && self.has_w(&[W::Warning])))
        {
            return self.events(None);
        }
        // `kubectl get all`, "everything in default": many kinds, one read each.
        if main.is_none() && self.has_w(&[W::All]) && !self.has_w_anywhere(&[W::Running]) {
            let place = self.namespace_to_repeat();
            return Intent::clarify(
                vec![Param::Kind],
                format!(
                    "\"All\" spans pods, services, deployments, replicasets, statefulsets, daemonsets, jobs and cronjobs, and I read one kind per request. Which should I list{place}? For an overview of everything there, ask for a health check{place}."
                ),
            );
        }
        if replicas && let Some(intent) = self.current_replicas(main) {
            return intent;
        }
        // "what is the password in postgres-credentials": a credential is
        // a key of a Secret, so the place it is "in" is the Secret (the
        // workflow redacts its values).
        if main.is_none()
            && self
                .tokens
                .iter()
                .any(|t| matches!(t.low, "password" | "passwords" | "token" | "credentials"))
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && self.place(i, None) == Place::In
                    && !is_namespace_word(self.tokens[i].low)
            })
            && (0..self.len())
                .filter(|&j| self.is_value(j) && self.place(j, None) == Place::In)
                .count()
                <= 2
        {
            let name = self.take_value(i);
            // "the password in db-pass in staging": the other place is the namespace.
            let namespace = self.take_namespace(false, false);
            return self.object_read(ResourceKind::Secret, name, namespace);
        }
        // "show the value of LOG_LEVEL in api-gateway-config": a setting
        // (an environment-style key) read from the ConfigMap it is "in".
        if main.is_none()
            && self
                .tokens
                .iter()
                .any(|t| t.shape == Shape::Word && t.raw.contains('_') && is_environment_key(t.raw))
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && self.place(i, None) == Place::In
                    && !is_namespace_word(self.tokens[i].low)
                    && !is_environment_key(self.tokens[i].raw)
            })
        {
            let name = self.take_value(i);
            let namespace = self.take_namespace(false, false);
            return self.object_read(ResourceKind::ConfigMap, name, namespace);
        }
        // "what's the cluster ip of checkout": a Service's address.
        if main.is_none()
            && (self.low_any("clusterip")
                || self
                    .tokens
                    .windows(2)
                    .any(|pair| pair[0].low == "cluster" && pair[1].low == "ip"))
            && let Some(i) =
                (0..self.len()).find(|&i| self.is_value(i) && self.place(i, None) != Place::In)
        {
            let name = self.take_value(i);
            let namespace = self.take_namespace(false, true);
            return self.object_read(ResourceKind::Service, name, namespace);
        }
        // "when does db-backup run", "when does the nightly-report job run
        // in batch": a CronJob's schedule ("job" is how people say it). Only
        // "when did job migrate run" (a Job named, in the past) is the Job.
        // "what's the schedule of nightly-export in data": a CronJob's.
        if main.is_none()
            && let Some(at) =
                (0..self.len()).find(|&i| self.low(i) == "schedule" && self.is_w(i + 1, W::Of))
            && let Some(name_at) = self.value_after(at + 1)
        {
            let name = self.take_value(name_at);
            let namespace = self.take_namespace(false, false);
            return self.object_read(ResourceKind::CronJob, name, namespace);
        }
        // "when was cart last deployed in shop", "when did api last get
        // updated": a Deployment's rollout time, in its state.
        if main.is_none()
            && (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| self.low(first) == "when")
            && (0..self.len()).any(|i| {
                matches!(
                    self.low(i),
                    "deployed"
                        | "updated"
                        | "released"
                        | "rolled"
                        | "redeployed"
                        | "changed"
                        | "restarted"
                        | "restart"
                        | "redeploy"
                )
            })
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i) && !matches!(self.place(i, None), Place::In | Place::To)
            })
        {
            let name = self.take_value(i);
            let namespace = self.take_namespace(false, false);
            return self.object_read(ResourceKind::Deployment, name, namespace);
        }
        let job_named =
            main.filter(|(_, k, _)| matches!(k, ResourceKind::Job | ResourceKind::CronJob));
        if (main.is_none() || job_named.is_some())
            && (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| self.low(first) == "when")
            && let Some(run_at) = (0..self.len()).find(|&i| {
                matches!(
                    self.low(i),
                    "run"
                        | "runs"
                        | "ran"
                        | "scheduled"
                        | "fire"
                        | "fires"
                        | "fired"
                        | "trigger"
                        | "triggers"
                        | "triggered"
                        | "succeed"
                        | "succeeded"
                        | "complete"
                        | "completed"
                        | "finish"
                        | "finished"
                )
            })
        {
            // The verb, never the object's name ("the report job run in batch").
            self.use_token(run_at);
            let kind_at = job_named.map(|(k, _, _)| k);
            let past = self.low_any("did") || self.low_any("ran");
            let kind = match job_named {
                Some((_, ResourceKind::Job, _)) if past => ResourceKind::Job,
                _ => ResourceKind::CronJob,
            };
            if let Some(name) = self.take_name(kind_at, true) {
                let namespace = self.take_namespace(false, false);
                return self.object_read(kind, name, namespace);
            }
        }
        // "is checkout ready in production": the state of a workload named
        // without its kind, read from a Deployment (a wrong guess only reads).
        if main.is_none()
            && (0..self.len())
                .find(|&i| !self.is_filler(i))
                .is_some_and(|first| self.is_w(first, W::Be))
            && self.low_any("ready")
            && let Some(i) = self.leftover_value()
            && !is_namespace_word(self.tokens[i].low)
            && !is_node_name_shaped(self.tokens[i].raw)
            && self.place(i, None) != Place::In
        {
            let name = self.take_value(i);
            let namespace = self.take_namespace(false, false);
            return self.object_read(ResourceKind::Deployment, name, namespace);
        }
        let Some((k, kind, number)) = main else {
            return self.read_without_kind();
        };
        match kind {
            ResourceKind::Event => self.events(Some(k)),
            ResourceKind::Pod => self.pods(k, number),
            ResourceKind::Namespace => {
                let name = self.take_name(Some(k), number != Number::Plural);
                match name {
                    Some(name) => self.object_read(kind, name, None),
                    None => Intent::ReadOnly {
                        tool: Tool::NamespacesList,
                        arguments: self.base(),
                    },
                }
            }
            _ => {
                let loose = number != Number::Plural || self.kubectl;
                let name = self.take_name(Some(k), loose);
                // "replicasets for checkout", "the rs of api": a workload's
                // ReplicaSets, selected by its app label as its pods are.
                let owner = (name.is_none()
                    && kind == ResourceKind::ReplicaSet
                    && self.label_selector.is_none())
                .then(|| {
                    (0..self.len()).find(|&i| {
                        self.is_value(i)
                            && !is_namespace_word(self.tokens[i].low)
                            && self
                                .prev_meaningful(i)
                                .is_some_and(|p| p > k && matches!(self.w(p), Some(W::For | W::Of)))
                    })
                })
                .flatten()
                .map(|i| format!("app={}", self.take_value(i)));
                let namespace = if kind.namespaced() && !self.all_namespaces {
                    self.take_namespace(false, true)
                } else {
                    None
                };
                match name {
                    Some(name) => self.object_read(kind, name, namespace),
                    None => {
                        let arguments = Arguments {
                            api_version: Some(Cow::Borrowed(kind.api_version())),
                            kind: Some(Cow::Borrowed(kind.kind())),
                            namespace,
                            label_selector: owner.or_else(|| self.selector()),
                            field_selector: self.field_selector.clone(),
                            ..self.base()
                        };
                        Intent::ReadOnly {
                            tool: Tool::ResourcesList,
                            arguments,
                        }
                    }
                }
            }
        }
    }

    /// "does prod have a network policy", "does shop have any network
    /// policies", "does the staging namespace have a quota": the subject of
    /// "does X have" a namespaced kind is the namespace to list it in (one
    /// object named after a namespace is not what is asked) when X is a
    /// namespace's usual name or is called a namespace, when the kind is
    /// plural, or when the kind is a namespace's own policy (a network
    /// policy, a quota, a limit range). "does web have a service" stays the
    /// object of that name.
    fn namespace_that_has(&mut self) {
        let Some(first) = (0..self.len()).find(|&i| !self.is_filler(i)) else {
            return;
        };
        let Some(at) = self.next_meaningful(first) else {
            return;
        };
        if !self.is_w(first, W::Do) {
            return;
        }
        let called_namespace = matches!(
            self.tokens.get(at + 1).and_then(Token::kind),
            Some((ResourceKind::Namespace, Number::Singular | Number::Short))
        );
        let have_at = at + 1 + usize::from(called_namespace);
        if !matches!(self.low(have_at), "have" | "has") {
            return;
        }
        // ("the prod namespace" already read as the namespace: the kind
        // word is spent, so it is not what is listed.)
        if called_namespace && self.namespace.as_deref() == Some(self.tokens[at].raw) {
            self.use_token(at + 1);
            return;
        }
        if self.namespace.is_some() || !self.is_value(at) {
            return;
        }
        let Some((_, kind, number)) = self.kinds().find(|&(k, _, _)| k > have_at) else {
            return;
        };
        if kind.namespaced()
            && (called_namespace
                || is_namespace_word(self.tokens[at].low)
                || number == Number::Plural
                || matches!(
                    kind,
                    ResourceKind::NetworkPolicy
                        | ResourceKind::ResourceQuota
                        | ResourceKind::LimitRange
                ))
        {
            if called_namespace {
                self.use_token(at + 1);
            }
            self.namespace = Some(self.take_value(at));
        }
    }

    /// "is kube-proxy running on all nodes", "does node-exporter run on
    /// every node in monitoring": what runs on every node is a DaemonSet,
    /// whose desired and ready counts answer it (a cluster component in
    /// kube-system).
    fn on_every_node(&mut self) -> Option<Intent> {
        let nodes_at = (1..self.len()).find(|&i| {
            matches!(self.tokens[i].kind(), Some((ResourceKind::Node, _)))
                && self.tokens[i].value.is_none()
                && (self.is_w(i - 1, W::All) || self.low(i - 1) == "each")
                && i >= 2
                && self.is_w(i - 2, W::On)
                // ("on every node delete ...": a word after the nodes
                // makes it something else.)
                && self
                    .next_meaningful(i)
                    .is_none_or(|n| self.is_w(n, W::In) || self.tokens[n].shape == Shape::Flag)
        })?;
        if !(0..nodes_at).any(|i| self.is_w(i, W::Running) || self.low(i) == "run") {
            return None;
        }
        let name_at = (0..nodes_at).find(|&i| {
            self.is_value(i)
                // ("on worker-1 and all nodes": a numbered node is no DaemonSet.)
                && !(is_node_name_shaped(self.tokens[i].raw)
                    && self.low(i).bytes().any(|b| b.is_ascii_digit()))
                && !is_participle(self.low(i))
        })?;
        self.use_token(nodes_at);
        let name = self.take_value(name_at);
        let namespace = self.take_namespace(false, false);
        Some(self.object_read(ResourceKind::DaemonSet, name, namespace))
    }

    /// "which configmap does cart mount in shop", "what secrets does api
    /// use", "which pvc does postgres need", "which service account does
    /// cart run as": what a workload named without its kind holds is in its
    /// pod template, so the answer is the workload read (a Deployment, as
    /// for "what image does cart use"), not an object of the kind asked
    /// named after the workload.
    fn workload_holding(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        if self.is_w(first, W::Do)
            && let Some(intent) = self.field_held()
        {
            return Some(intent);
        }
        // "does postgres-0 use a pvc", "is checkout using any secrets": the
        // holder asked about is read.
        if matches!(self.w(first), Some(W::Do | W::Be))
            && let Some(name_at) = self.next_meaningful(first)
            && self.is_value(name_at)
            && matches!(
                self.low(name_at + 1),
                "use"
                    | "uses"
                    | "using"
                    | "mount"
                    | "mounts"
                    | "mounting"
                    | "need"
                    | "needs"
                    | "reference"
                    | "references"
                    | "referencing"
            )
            && let Some((held_at, held)) = self.held_kind_after(name_at + 1)
        {
            self.use_token(held_at);
            self.use_token(name_at + 1);
            return Some(self.holder_read(name_at, held));
        }
        if self.is_w(first, W::Do) {
            return None;
        }
        // "service checkout has no endpoints", "checkout has no readiness
        // probe": the same, stated.
        if (self.tokens[first].kind().is_some() || self.is_value(first))
            && let Some(intent) = self.field_held_at(first)
        {
            return Some(intent);
        }
        // "can you check if the checkout service has endpoints": the
        // question after "if" is asked as "does ... have".
        if let Some(asked_at) = self.yes_no_question_at()
            && let Some(intent) = self.field_held_from(asked_at)
        {
            return Some(intent);
        }
        if !self.is_w(first, W::Question) {
            return None;
        }
        let asked = self.next_meaningful(first)?;
        let held = self.tokens[asked]
            .kind()
            .filter(|&(kind, _)| self.tokens[asked].value.is_none() && held_by_workloads(kind))
            .map(|(kind, _)| kind);
        let held_kind = held.is_some();
        if !held_kind && !is_pod_template_field(self.low(asked)) {
            return None;
        }
        // ("what env vars does": a field written in two words.)
        let does = (asked + 1..self.len().min(asked + 3)).find(|&d| self.is_w(d, W::Do))?;
        let name_at = self.next_meaningful(does)?;
        // (The word right after: "have" is a filler elsewhere.)
        let verb = name_at + 1;
        if !self.is_w(does, W::Do)
            || !self.is_value(name_at)
            || !matches!(
                self.low(verb),
                "mount"
                    | "mounts"
                    | "use"
                    | "uses"
                    | "read"
                    | "reads"
                    | "reference"
                    | "references"
                    | "need"
                    | "needs"
                    | "load"
                    | "loads"
                    | "run"
                    | "runs"
                    | "have"
                    | "has"
                    | "get"
                    | "set"
                    | "expose"
                    | "define"
            )
        {
            return None;
        }
        for between in asked + 1..does {
            self.use_token(between);
        }
        self.use_token(asked);
        self.use_token(verb);
        Some(self.holder_read(name_at, held.unwrap_or(ResourceKind::ConfigMap)))
    }

    /// The first kind after `at` that a workload holds, unnamed ("a pvc").
    fn held_kind_after(&self, at: usize) -> Option<(usize, ResourceKind)> {
        self.kinds()
            .find(|&(k, kind, _)| {
                k > at && self.tokens[k].value.is_none() && held_by_workloads(kind)
            })
            .map(|(k, kind, _)| (k, kind))
    }

    /// The read of the object named at `name_at` that holds a `held` kind:
    /// a claim for its storage class, else the workload's pod template (a
    /// pod's generated name is that pod: "which volume does postgres-0
    /// mount").
    fn holder_read(&mut self, name_at: usize, held: ResourceKind) -> Intent {
        let name = self.take_value(name_at);
        let namespace = self.take_namespace(false, false);
        if held == ResourceKind::StorageClass {
            return self.object_read(ResourceKind::PersistentVolumeClaim, name, namespace);
        }
        let kind = if looks_like_pod_name(&name) {
            ResourceKind::Pod
        } else {
            ResourceKind::Deployment
        };
        self.object_read(kind, name, namespace)
    }

    /// "is namespace shop terminating", "why is namespace old-shop stuck
    /// terminating": a namespace's deletion, whose conditions (content
    /// left, finalizers) are in the Namespace itself.
    fn namespace_terminating(&mut self) -> Option<Intent> {
        // (Any change word at all leaves it to the rules that plan or ask.)
        if !self
            .tokens
            .iter()
            .any(|t| matches!(t.low, "terminating" | "deleting"))
            || self
                .tokens
                .iter()
                .any(|t| matches!(t.w(), Some(W::Change(_))))
        {
            return None;
        }
        // ("namespace shop": already read as the namespace phrase.)
        let name = match self.main_kind() {
            Some((k, ResourceKind::Namespace, Number::Singular | Number::Short)) => {
                self.take_name(Some(k), true)?
            }
            None if self.tokens.iter().any(|t| {
                matches!(
                    t.kind(),
                    Some((ResourceKind::Namespace, Number::Singular | Number::Short))
                )
            }) =>
            {
                self.namespace.clone()?
            }
            _ => return None,
        };
        Some(self.object_read(ResourceKind::Namespace, name, None))
    }

    /// "how often does checkout restart in prod", "how many times has
    /// checkout restarted": the restart counts of a workload's pods (the
    /// RESTARTS column), selected by its app label; a pod's own name
    /// ("how many times has pod web-0 restarted") is read by the pod rules.
    fn restart_count_question(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        let often = match (self.low(first), self.low(first + 1), self.low(first + 2)) {
            ("how", "often", _) => first + 2,
            ("how", "many", "times") => first + 3,
            _ => return None,
        };
        let restart_at = (often..self.len())
            .find(|&i| matches!(self.low(i), "restart" | "restarts" | "restarted"))?;
        let name_at = (often..restart_at).find(|&i| self.is_value(i))?;
        if looks_like_pod_name(self.low(name_at)) || self.kinds().next().is_some() {
            return None;
        }
        self.use_token(restart_at);
        for i in often - 1..=often {
            self.use_token(i);
        }
        let app = format!("app={}", self.take_value(name_at));
        let namespace = self.take_namespace(false, false);
        let tool = if namespace.is_some() {
            Tool::PodsListInNamespace
        } else {
            Tool::PodsList
        };
        Some(Intent::ReadOnly {
            tool,
            arguments: Arguments {
                namespace,
                label_selector: Some(app),
                ..self.base()
            },
        })
    }

    /// "did db-migrate succeed in ops", "has the backup finished", "did
    /// cart finish rolling out": whether something ran to its end, named
    /// without its kind. A rollout's end is its Deployment's state; any
    /// other end is a Job's.
    fn completion_question(&mut self) -> Option<Intent> {
        // ("has" is a filler elsewhere: found by its word.)
        let first = (0..self.len())
            .find(|&i| matches!(self.low(i), "did" | "has" | "have" | "is"))
            .filter(|&f| (0..f).all(|i| self.is_filler(i)))?;
        let name_at = self.next_meaningful(first)?;
        let done_at = self.next_meaningful(name_at)?;
        if !self.is_value(name_at)
            || !matches!(
                self.low(done_at),
                "succeed" | "succeeded" | "complete" | "completed" | "finish" | "finished" | "done"
            )
        {
            return None;
        }
        // (A change word, but a rollout's noun, leaves it to the rules that plan or ask.)
        if self
            .tokens
            .iter()
            .any(|t| matches!(t.w(), Some(W::Change(change)) if change != Change::Rollout))
        {
            return None;
        }
        let rollout = self.tokens[done_at..].iter().any(|t| {
            matches!(
                t.low,
                "rolling" | "rollout" | "rolled" | "deploying" | "updating"
            ) || t.w() == Some(W::Change(Change::Rollout))
        });
        self.use_token(done_at);
        for i in done_at + 1..self.len() {
            if matches!(
                self.low(i),
                "rolling" | "rollout" | "rolled" | "out" | "deploying" | "updating"
            ) {
                self.use_token(i);
            }
        }
        let name = self.take_value(name_at);
        let namespace = self.take_namespace(false, false);
        let kind = if rollout {
            ResourceKind::Deployment
        } else {
            ResourceKind::Job
        };
        Some(self.object_read(kind, name, namespace))
    }

    /// "which namespace is checkout in", "what namespace does redis live
    /// in", "where is checkout deployed": the namespace an object is in is
    /// found by listing it by name in every namespace (a Deployment, or
    /// the pod a generated name names), as `kubectl get deploy -A
    /// --field-selector metadata.name=checkout` does.
    fn namespace_of_object(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        // ("how about namespace dev too?": a follow-up, not a question.)
        let namespace_asked = matches!(self.low(first), "which" | "what" | "whats")
            && self.next_meaningful(first).is_some_and(|n| {
                self.tokens[n].value.is_none()
                    && matches!(
                        self.tokens[n].kind(),
                        Some((ResourceKind::Namespace, Number::Singular | Number::Short))
                    )
            });
        let where_deployed = self.low(first) == "where"
            && (0..self.len()).any(|i| matches!(self.low(i), "deployed" | "installed" | "located"));
        // ("which namespace am i working in": the kubeconfig's.)
        if !(namespace_asked || where_deployed)
            || self.namespace.is_some()
            || self.all_namespaces
            || self.where_am_i().is_some()
        {
            return None;
        }
        let candidates = (first + 1..self.len())
            .filter(|&i| self.is_value(i))
            .count();
        let name_at = (first + 1..self.len()).find(|&i| {
            self.is_value(i) && !matches!(self.low(i), "deployed" | "installed" | "located")
        })?;
        if candidates > 2 {
            return None;
        }
        let name = self.take_value(name_at);
        for i in 0..self.len() {
            if matches!(self.tokens[i].kind(), Some((ResourceKind::Namespace, _))) {
                self.use_token(i);
            }
        }
        let field_selector = Some(format!("metadata.name={name}"));
        if looks_like_pod_name(&name) {
            return Some(Intent::ReadOnly {
                tool: Tool::PodsList,
                arguments: Arguments {
                    field_selector,
                    ..self.base()
                },
            });
        }
        Some(Intent::ReadOnly {
            tool: Tool::ResourcesList,
            arguments: Arguments {
                api_version: Some(Cow::Borrowed(ResourceKind::Deployment.api_version())),
                kind: Some(Cow::Borrowed(ResourceKind::Deployment.kind())),
                field_selector,
                ..self.base()
            },
        })
    }

    /// "does checkout have a liveness probe in prod", "does the cart
    /// deployment have resource limits", "does cart svc have any
    /// endpoints": whether an object holds something is in the object (a
    /// Service's endpoints in its Endpoints of the same name); a workload
    /// named without its kind is read as a Deployment.
    fn field_held(&mut self) -> Option<Intent> {
        let first = (0..self.len()).find(|&i| !self.is_filler(i))?;
        self.field_held_from(first)
    }

    /// Where the question of "check if X has Y" / "tell me whether X has Y"
    /// begins: its "if" or "whether", among the request's first words.
    fn yes_no_question_at(&self) -> Option<usize> {
        (0..self.len().min(MAX_WORDS_BEFORE_IF)).find(|&i| matches!(self.low(i), "if" | "whether"))
    }

    /// [`Analysis::field_held`] for a question whose opening word is at
    /// `first` ("does", or the "if" of "check if").
    fn field_held_from(&mut self, first: usize) -> Option<Intent> {
        let name_at = self.next_meaningful(first)?;
        self.field_held_at(name_at)
    }

    /// [`Analysis::field_held`] for an object whose words begin at `name_at`
    /// (its kind or its name).
    fn field_held_at(&mut self, name_at: usize) -> Option<Intent> {
        let singular_kind = |analysis: &Self, at: usize| {
            analysis.tokens.get(at).and_then(|t| {
                (t.value.is_none())
                    .then(|| t.kind())
                    .flatten()
                    .filter(|(_, number)| *number != Number::Plural)
            })
        };
        let mut name_at = name_at;
        // "does service checkout have any endpoints": the kind first.
        let kind_first = singular_kind(self, name_at);
        if kind_first.is_some() {
            name_at += 1;
        }
        if !self.is_value(name_at) {
            return None;
        }
        let kind = kind_first.or_else(|| singular_kind(self, name_at + 1));
        let have_at = name_at + 1 + usize::from(kind.is_some() && kind_first.is_none());
        if !matches!(self.low(have_at), "have" | "has") {
            return None;
        }
        let endpoints = (have_at + 1..self.len())
            .any(|i| matches!(self.tokens[i].kind(), Some((ResourceKind::Endpoints, _))));
        if !endpoints && !(have_at + 1..self.len()).any(|i| is_pod_template_field(self.low(i))) {
            return None;
        }
        let kind = match kind {
            Some((ResourceKind::Service, _)) if endpoints => ResourceKind::Endpoints,
            Some((kind, _)) => kind,
            None if looks_like_pod_name(self.low(name_at)) => ResourceKind::Pod,
            None => ResourceKind::Deployment,
        };
        let kind_from = name_at - usize::from(kind_first.is_some());
        for i in kind_from..self.len() {
            if i != name_at
                && (self.tokens[i].kind().is_some() || is_pod_template_field(self.low(i)))
            {
                self.use_token(i);
            }
        }
        let name = self.take_value(name_at);
        let namespace = self.take_namespace(false, false);
        Some(self.object_read(kind, name, namespace))
    }

    /// "which node is api-0 on", "what node does web-1 run on", "where is
    /// checkout running": the pod's node, which the pod itself records
    /// (`spec.nodeName`), so the answer is the pod read (a name given as
    /// its workload's is resolved to its pods by the workflow).
    fn pod_placement(&mut self) -> Option<Intent> {
        let node_asked_at = (0..self.len()).find(|&i| {
            !self.used[i]
                && self.tokens[i].value.is_none()
                && matches!(
                    self.tokens[i].kind(),
                    Some((ResourceKind::Node, Number::Singular | Number::Plural))
                )
                && self
                    .prev_meaningful(i)
                    .is_some_and(|p| self.is_w(p, W::Question) && self.low(p) != "how")
        });
        // "which nodes are the pods of checkout on": the pods' list answers
        // (its NODE column), not the node list; the node word is spent.
        if let Some(node_at) = node_asked_at
            && let Some(pods_at) = (node_at + 1..self.len()).find(|&i| {
                self.tokens[i].value.is_none()
                    && matches!(
                        self.tokens[i].kind(),
                        Some((ResourceKind::Pod, Number::Plural))
                    )
            })
        {
            self.use_token(node_at);
            self.use_token(pods_at);
            return Some(self.pods(pods_at, Number::Plural));
        }
        let node_asked = node_asked_at.is_some_and(|i| {
            matches!(
                self.tokens[i].kind(),
                Some((ResourceKind::Node, Number::Singular))
            )
        });
        let where_running = (0..self.len())
            .find(|&i| !self.is_filler(i))
            .is_some_and(|first| self.low(first) == "where");
        if !node_asked && !where_running {
            return None;
        }
        // The pod: a generated-looking name, or a name followed by where it
        // is ("api-0 on", "checkout running", "the web pod").
        let placed = |analysis: &Self, i: usize| {
            analysis.looks_generated(i)
                || analysis.tokens.get(i + 1).is_some_and(|next| {
                    matches!(next.w(), Some(W::On | W::Running))
                        || matches!(next.kind(), Some((ResourceKind::Pod, _)))
                        || matches!(next.low, "run" | "runs" | "scheduled" | "hosted")
                })
        };
        let i = (0..self.len()).find(|&i| {
            self.is_value(i)
                && self.place(i, None) != Place::In
                && !is_node_name_shaped(self.tokens[i].low)
                && !is_namespace_word(self.tokens[i].low)
                && placed(self, i)
        })?;
        self.use_token(i);
        let name = owned(self.tokens[i].raw);
        let namespace = self.take_namespace(false, false);
        Some(self.object_read(ResourceKind::Pod, name, namespace))
    }

    fn is_used_token(&self, token: &Token<'_>) -> bool {
        self.tokens
            .iter()
            .position(|t| std::ptr::eq(t, token))
            .is_some_and(|i| self.used[i])
    }

    fn low_any(&self, word: &str) -> bool {
        self.tokens.iter().any(|t| t.low == word)
    }

    /// A label selector from `-l` or a bare `key=value` in a read.
    fn selector(&mut self) -> Option<String> {
        if self.label_selector.is_some() {
            return self.label_selector.clone();
        }
        let mut selector = String::new();
        for i in 0..self.len() {
            let token = self.tokens[i];
            if token.shape == Shape::Assign
                && !self.used[i]
                && let Some(value) = token.value
            {
                if !selector.is_empty() {
                    selector.push(',');
                }
                selector.push_str(token.raw);
                selector.push('=');
                selector.push_str(value);
                self.use_token(i);
            }
        }
        // "pods where app is cart", "pods whose tier is frontend": a
        // label's value in words.
        if selector.is_empty()
            && let Some(at) = (0..self.len()).find(|&i| {
                matches!(self.low(i), "where" | "whose")
                    // The key may be a word of its own ("app", "tier").
                    && self.tokens.get(i + 1).is_some_and(|key| {
                        key.shape == Shape::Word && key.kind().is_none() && is_name_shaped(key.low)
                    })
                    && !self.used[i + 1]
                    && matches!(self.low(i + 2), "is" | "=" | "equals")
                    && self.is_value(i + 3)
            })
        {
            for j in [at + 1, at + 3] {
                self.use_token(j);
            }
            return Some(format!(
                "{}={}",
                self.tokens[at + 1].raw,
                self.tokens[at + 3].raw
            ));
        }
        (!selector.is_empty()).then_some(selector)
    }

    /// "what's running in staging", "show me web-7d9f-abcde", "anything in kube-system?"
    fn read_without_kind(&mut self) -> Intent {
        // "kube proxy", "coredns?": a cluster component named alone is a
        // look at its pods.
        if let Some(i) = (0..self.len()).find(|&i| !self.is_filler(i))
            && self.is_value(i)
            && self.next_meaningful(i).is_none()
            && let Some(component) = system_component(self.tokens[i].low)
        {
            self.use_token(i);
            return Intent::ReadOnly {
                tool: Tool::PodsListInNamespace,
                arguments: Arguments {
                    namespace: Some(SYSTEM_NAMESPACE.to_owned()),
                    label_selector: Some(component.selector.to_owned()),
                    ..self.base()
                },
            };
        }
        let asks = self.has_w_anywhere(&[
            W::Read,
            W::Question,
            W::Describe,
            W::Running,
            W::Status,
            W::Count,
            W::Watch,
        ]) || self.kubectl
            || self.rollout_read
            || self.has_w_anywhere(&[W::Up, W::Down, W::Okay]) && self.has_w_anywhere(&[W::Be]);
        if !asks {
            return self.unknown();
        }
        // "which host points to web-frontend", "what are the URLs in
        // production": hosts and routes are the Ingresses'.
        if self.tokens.iter().any(|t| {
            matches!(
                t.low,
                "host" | "hosts" | "hostname" | "hostnames" | "url" | "urls" | "route" | "routes"
            )
        })
            // "what host is web-1 running on": its node.
            && !self.has_w_anywhere(&[W::On, W::Running])
        {
            let namespace = self.take_namespace(false, false);
            return Intent::ReadOnly {
                tool: Tool::ResourcesList,
                arguments: Arguments {
                    api_version: Some(Cow::Borrowed(ResourceKind::Ingress.api_version())),
                    kind: Some(Cow::Borrowed(ResourceKind::Ingress.kind())),
                    namespace,
                    ..self.base()
                },
            };
        }
        // "what are the taints on node-1": the node itself.
        if self.has_w_anywhere(&[W::Describe, W::Label, W::Status])
            && let Some(node) = self.take_node_after_on()
        {
            return self.object_read(ResourceKind::Node, node, None);
        }
        // "what runs on node-1", "what's on worker-2": the pods on the node.
        if let Some(node) = self.take_node_after_on() {
            let arguments = Arguments {
                field_selector: Some(format!("spec.nodeName={node}")),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::PodsList,
                arguments,
            };
        }
        // "inspect node-1", "is node-1 ok": a node's usual name says its kind.
        let namespace_named = self.namespace.is_some()
            || (0..self.len()).any(|i| self.is_value(i) && self.place(i, None) == Place::In);
        if !namespace_named
            && let Some(i) = (0..self.len())
                .find(|&i| self.is_value(i) && is_node_name_shaped(self.tokens[i].low))
        {
            self.use_token(i);
            return self.object_read(ResourceKind::Node, owned(self.tokens[i].raw), None);
        }
        // A pod name as generated by a ReplicaSet (`web-7d9f8b6c4-x2x9z`).
        if let Some(i) =
            (0..self.len()).find(|&i| self.is_value(i) && looks_like_pod_name(self.tokens[i].low))
        {
            self.use_token(i);
            let name = owned(self.tokens[i].raw);
            let namespace = self.take_namespace(false, true);
            return self.object_read(ResourceKind::Pod, name, namespace);
        }
        // "what image is nginx running", "status of the rollout of api": a
        // question about a workload; a Deployment is the likely kind, and a
        // wrong guess only reads.
        // "check prod": a namespace checked is its health.
        if self
            .tokens
            .iter()
            .any(|t| matches!(t.low, "check" | "inspect" | "examine"))
            && let Some(i) = self.leftover_value()
            && is_namespace_word(self.tokens[i].low)
        {
            self.use_token(i);
            return Intent::HealthCheck {
                arguments: Arguments {
                    namespace: Some(owned(self.tokens[i].raw)),
                    ..self.base()
                },
            };
        }
        // "what ports does checkout expose", "which port is api on": the
        // ports are a Service's.
        if self.has_w_anywhere(&[W::Port])
            && let Some(i) =
                (0..self.len()).find(|&i| self.is_value(i) && self.place(i, None) != Place::In)
            && !is_namespace_word(self.tokens[i].low)
        {
            self.use_token(i);
            let name = owned(self.tokens[i].raw);
            let namespace = self.take_namespace(false, true);
            return self.object_read(ResourceKind::Service, name, namespace);
        }
        let opens_with_be = (0..self.len())
            .find(|&i| !self.is_filler(i))
            .is_some_and(|first| self.is_w(first, W::Be));
        if (self.rollout_read
            || self.has_w_anywhere(&[W::Image, W::Status])
            || self.tokens.iter().any(|t| {
                t.w() == Some(W::Describe) && !matches!(t.low, "explain" | "information")
            })
            // "what versions of checkout have we deployed": its history.
            || self.low_any("version")
            || self.low_any("versions")
            // "check web", "look at api": a workload looked at.
            || self.tokens.iter().any(|t| matches!(t.low, "check" | "inspect" | "examine" | "look"))
            // "is web up?", "is api running in prod?"
            || (opens_with_be && self.has_w_anywhere(&[W::Up, W::Down, W::Running])))
            && let Some(i) = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && self.place(i, None) != Place::In
                    && !matches!(self.low(i), "version" | "versions" | "tag")
            })
        {
            self.use_token(i);
            let name = owned(self.tokens[i].raw);
            if is_namespace_word(&name) {
                // "what's the status of production": the namespace's health.
                return Intent::HealthCheck {
                    arguments: Arguments {
                        namespace: Some(name),
                        ..self.base()
                    },
                };
            }
            let namespace = self.take_namespace(false, true);
            return self.object_read(ResourceKind::Deployment, name, namespace);
        }
        // "get widgets in production": the object of a read verb, of a kind
        // kubeop does not know; never pods instead.
        if let Some(i) = (0..self.len()).find(|&i| {
            self.is_value(i)
                && self.place(i, None) == Place::AfterVerb
                && self
                    .prev_meaningful(i)
                    .is_some_and(|p| self.is_w(p, W::Read))
        }) {
            let name = self.tokens[i].raw;
            return Intent::clarify(
                vec![Param::Kind],
                format!("What kind of resource is {name}: a pod, a deployment, a service...?"),
            );
        }
        let namespace = self.take_namespace(false, true);
        if let Some(namespace) = namespace {
            let arguments = Arguments {
                namespace: Some(namespace),
                label_selector: self.selector(),
                field_selector: self.phase_selector(),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::PodsListInNamespace,
                arguments,
            };
        }
        if self.has_w_anywhere(&[W::Running])
            && self.has_w_anywhere(&[W::Question])
            && self.leftover_value().is_none()
        {
            let arguments = Arguments {
                label_selector: self.selector(),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::PodsList,
                arguments,
            };
        }
        if let Some(i) = self.leftover_value() {
            let name = self.tokens[i].raw;
            return Intent::clarify(
                vec![Param::Kind],
                format!("What kind of resource is {name}: a pod, a deployment, a service...?"),
            );
        }
        self.unknown()
    }

    fn unknown(&self) -> Intent {
        Intent::clarify(
            vec![Param::Intent],
            "I did not understand that request. Try for example \"list pods in staging\", \"logs of pod web-1\", \"scale deployment web to 3\" or \"why is checkout crashing\".",
        )
    }

    /// `status.phase` for "pending pods", "failed pods", "running pods".
    fn phase_selector(&self) -> Option<String> {
        if self.field_selector.is_some() {
            return self.field_selector.clone();
        }
        let phase = self.tokens.windows(2).find_map(|pair| {
            let pod_follows = matches!(
                pair[1].kind(),
                Some((ResourceKind::Pod, Number::Plural | Number::Short))
            );
            if !pod_follows {
                return None;
            }
            match pair[0].w() {
                // "pods not running": the phase is anything else.
                Some(W::Running) if self.not_running_pods() => Some("!Running"),
                Some(W::Pending) if pair[0].low == "pending" => Some("Pending"),
                Some(W::Running) => Some("Running"),
                Some(W::Succeeded) => Some("Succeeded"),
                Some(W::Wrong) if pair[0].low == "failed" => Some("Failed"),
                _ => None,
            }
        });
        // "which pods are pending", "pods that are failed": the phase after.
        let phase = phase.or_else(|| {
            let pods = self.tokens.iter().position(|t| {
                matches!(
                    t.kind(),
                    Some((ResourceKind::Pod, Number::Plural | Number::Short))
                )
            })?;
            let after = (pods + 1..self.len())
                .find(|&j| !self.is_filler(j) && !self.is_w(j, W::Be) && self.low(j) != "which")?;
            match self.w(after) {
                Some(W::Pending) if self.low(after) == "pending" => Some("Pending"),
                Some(W::Succeeded) => Some("Succeeded"),
                Some(W::Wrong) if self.low(after) == "failed" => Some("Failed"),
                _ => None,
            }
        });
        let phase = phase.or_else(|| self.not_running_pods().then_some("!Running"))?;
        Some(match phase.strip_prefix('!') {
            Some(phase) => format!("status.phase!={phase}"),
            None => format!("status.phase={phase}"),
        })
    }

    /// "pods not running", "pods that are not running": "not" right before
    /// "running", about pods.
    fn not_running_pods(&self) -> bool {
        // "pods not running", "pods not in Running state".
        self.tokens.iter().enumerate().any(|(i, t)| {
            t.w() == Some(W::Running)
                && i.checked_sub(1).is_some_and(|p| {
                    self.is_w(p, W::Not)
                        || (self.is_w(p, W::In) && p > 0 && self.is_w(p - 1, W::Not))
                })
        }) && self
            .tokens
            .iter()
            .any(|t| matches!(t.kind(), Some((ResourceKind::Pod, _))))
    }

    fn pods(&mut self, k: usize, number: Number) -> Intent {
        let loose = number != Number::Plural || self.kubectl;
        // "every pod on node worker-1": the node is named, never the pod.
        let on_node = (0..self.len()).any(|i| {
            matches!(
                self.tokens[i].kind(),
                Some((ResourceKind::Node, Number::Singular))
            ) && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
        });
        let early_node = if on_node {
            self.node_field_selector()
        } else {
            None
        };
        let name = if early_node.is_some() {
            None
        } else {
            self.take_name(Some(k), loose)
        };
        // Before the namespace, so that "on worker-1" is taken as the node.
        let node_selector = if early_node.is_some() {
            early_node
        } else if name.is_none() {
            self.node_field_selector()
        } else {
            None
        };
        // Before the namespace too: "the pods for api" are api's, not namespace api's.
        let app = if name.is_none() {
            self.app_of_pods(k)
        } else {
            None
        };
        let namespace = if self.all_namespaces {
            None
        } else {
            self.take_namespace(false, true)
        };
        if let Some(name) = name {
            return self.object_read(ResourceKind::Pod, name, namespace);
        }
        let field_selector = node_selector.or_else(|| self.phase_selector());
        // "describe the pod", "show me this pod": one pod meant, none named.
        if number == Number::Singular
            && app.is_none()
            && field_selector.is_none()
            && self.label_selector.is_none()
            && k > 0
            && matches!(self.low(k - 1), "the" | "this" | "that")
        {
            return Intent::clarify(vec![Param::Name], "Which pod? I need its name.");
        }
        // A cluster component's pods carry its own label, not `app`.
        let app = app.map(|app| match system_component(&app) {
            Some(component) => component.selector.to_owned(),
            None => format!("app={app}"),
        });
        let label_selector = match (app, self.selector()) {
            (Some(app), Some(more)) => Some(format!("{app},{more}")),
            (Some(app), None) => Some(app),
            (None, selector) => selector,
        };
        match namespace {
            Some(namespace) => {
                let arguments = Arguments {
                    namespace: Some(namespace),
                    label_selector,
                    field_selector,
                    ..self.base()
                };
                Intent::ReadOnly {
                    tool: Tool::PodsListInNamespace,
                    arguments,
                }
            }
            None => {
                let arguments = Arguments {
                    label_selector,
                    field_selector,
                    ..self.base()
                };
                Intent::ReadOnly {
                    tool: Tool::PodsList,
                    arguments,
                }
            }
        }
    }

    /// The workload whose pods a list asks for: "pods for api", "pods of
    /// checkout", "pods of deployment api", and "the payment pods in
    /// production" (the namespace given, the word before "pods" is the
    /// workload). Selected by the `app` label, the convention `kubectl
    /// create deployment` and most charts follow. A common namespace name
    /// ("pods of staging") stays a namespace, and so does "staging pods"
    /// with no other namespace given.
    fn app_of_pods(&mut self, pods_at: usize) -> Option<String> {
        if self.label_selector.is_some() {
            return None;
        }
        // "pods of deployment api", "pods for the api deployment".
        let owner_kind = (pods_at + 1..self.len()).find(|&j| {
            !self.used[j]
                && matches!(
                    self.tokens[j].kind(),
                    Some((
                        ResourceKind::Deployment
                            | ResourceKind::StatefulSet
                            | ResourceKind::DaemonSet
                            | ResourceKind::ReplicaSet
                            | ResourceKind::Job
                            | ResourceKind::Service,
                        Number::Singular | Number::Short
                    ))
                )
        });
        if let Some(j) = owner_kind {
            let name = match self.tokens[j].value {
                Some(value) => Some(owned(value)),
                None => {
                    let value = self
                        .value_after(j)
                        .or_else(|| self.prev_meaningful(j).filter(|&p| self.is_value(p)));
                    value.map(|v| {
                        self.use_token(v);
                        owned(self.tokens[v].raw)
                    })
                }
            };
            if name.is_some() {
                self.use_token(j);
                return name;
            }
        }
        let after_for = (pods_at + 1..self.len()).find(|&i| {
            self.is_value(i)
                && !is_namespace_word(self.tokens[i].low)
                && self.prev_meaningful(i).is_some_and(|p| {
                    p > pods_at
                        && (matches!(self.w(p), Some(W::For | W::Of))
                            // "pods belonging to cart", "pods owned by api".
                            || (matches!(self.w(p), Some(W::To | W::By))
                                && matches!(
                                    self.low(p.wrapping_sub(1)),
                                    "belonging" | "belong" | "owned" | "managed" | "controlled"
                                )))
                })
        });
        let before = || {
            let namespace_given = self.namespace.is_some()
                || (0..self.len()).any(|i| self.is_value(i) && self.place(i, None) == Place::In)
                // ("checkout pods prod": the terse request's last word.)
                || (self.is_terse() && pods_at + 1 < self.len() && self.is_value(self.len() - 1));
            // "show me the checkout pods": "the" before a name that is no
            // namespace's usual name marks a workload's pods.
            let the_workload = pods_at >= 2
                && self.low(pods_at - 2) == "the"
                && (pods_at < 3
                    || !matches!(self.w(pods_at - 3), Some(W::In | W::From | W::Across)));
            let component = self
                .prev_meaningful(pods_at)
                .is_some_and(|i| system_component(self.tokens[i].low).is_some());
            (namespace_given || the_workload || component)
                .then(|| self.prev_meaningful(pods_at))
                .flatten()
                .filter(|&i| self.is_value(i) && !is_namespace_word(self.tokens[i].low))
        };
        let i = after_for.or_else(before)?;
        self.use_token(i);
        Some(owned(self.tokens[i].raw))
    }

    /// "on worker-1", where the name follows a node naming convention: the
    /// node (a namespace is named with "in", or does not look like a node).
    fn take_node_after_on(&mut self) -> Option<String> {
        let i = (0..self.len()).find(|&i| {
            self.is_value(i)
                && self.prev_meaningful(i).is_some_and(|p| self.is_w(p, W::On))
                && is_node_name_shaped(self.tokens[i].raw)
        })?;
        self.use_token(i);
        Some(owned(self.tokens[i].raw))
    }

    /// "pods on node worker-1", "pods on worker-1": `spec.nodeName=worker-1`.
    fn node_field_selector(&mut self) -> Option<String> {
        let Some(node_at) = (0..self.len()).find(|&i| {
            !self.used[i]
                && matches!(
                    self.tokens[i].kind(),
                    Some((ResourceKind::Node, Number::Singular))
                )
        }) else {
            return self
                .take_node_after_on()
                .map(|name| format!("spec.nodeName={name}"));
        };
        let name = match self.tokens[node_at].value {
            Some(value) => owned(value),
            None => {
                let j = self.value_after(node_at)?;
                self.use_token(j);
                owned(self.tokens[j].raw)
            }
        };
        self.use_token(node_at);
        Some(format!("spec.nodeName={name}"))
    }

    fn pod_logs(&mut self, main: Option<(usize, ResourceKind, Number)>) -> Intent {
        let kind_at = main.map(|(i, _, _)| i);
        if let Some((_, kind, _)) = main
            && kind != ResourceKind::Pod
            && kind != ResourceKind::Namespace
            && !kind.has_pods()
        {
            return Intent::clarify(
                vec![Param::Name],
                format!(
                    "Which pod's logs should I show? A {} has no logs of its own: I need a pod's name.",
                    kind.noun()
                ),
            );
        }
        if self.has_w_anywhere(&[W::Previous]) || self.crashed_container_phrase() {
            self.previous = true;
        }
        // "cart logs shop": in bare words the first name is the pod's.
        if kind_at.is_none()
            && self.is_terse()
            && let Some(first) = (0..self.len()).find(|&i| self.is_value(i))
            && (first + 1..self.len()).any(|i| self.is_value(i))
        {
            let name = self.take_value(first);
            let namespace = self.take_namespace(false, true);
            return Intent::ReadOnly {
                tool: Tool::PodsLog,
                arguments: Arguments {
                    name: Some(name),
                    namespace,
                    tail: self.tail,
                    ..self.base()
                },
            };
        }
        // `kubectl logs deploy/api`: the workload's name, which the workflow
        // resolves to its newest Running pod, as kubectl does.
        let name = self.take_name(kind_at, true).or_else(|| {
            // "logs of the previous checkout container": the pod it runs in.
            let i =
                (0..self.len()).find(|&i| self.is_value(i) && self.is_w(i + 1, W::Container))?;
            Some(self.take_value(i))
        });
        // "logs of container envoy in payment-service in production": with
        // two places, the first is the pod.
        let name = name.or_else(|| {
            let ins: Vec<usize> = (0..self.len())
                .filter(|&i| self.is_value(i) && self.place(i, None) == Place::In)
                .collect();
            (ins.len() > 1).then(|| self.take_value(ins[0]))
        });
        // "errors in the api-gateway logs", "logs of the coredns pods":
        // the name right before "logs", or a workload's pods.
        // "coredns logs", "show checkout logs in shop": a name opening the
        // request (or right after its verb) before "logs".
        let name = name.or_else(|| {
            let i = (0..self.len()).find(|&i| {
                self.is_value(i)
                    && !is_namespace_word(self.tokens[i].low)
                    && self
                        .next_meaningful(i)
                        .is_some_and(|n| self.is_w(n, W::Logs))
                    && self.prev_meaningful(i).is_none_or(|p| {
                        matches!(self.w(p), Some(W::In | W::Read | W::Describe | W::Tail))
                    })
            })?;
            Some(self.take_value(i))
        });
        // ("the logs of all web pods" are many pods' logs: asked.)
        let name = name.or_else(|| match main {
            Some((k, ResourceKind::Pod, Number::Plural)) if !self.has_w_anywhere(&[W::All]) => {
                self.workload_before_pods(k)
            }
            _ => None,
        });
        // "logs of the istio-proxy container in checkout": a container's
        // logs are in a pod, so the one place named is the pod unless it is
        // a namespace's usual name.
        let name = name.or_else(|| {
            let i = (0..self.len()).find(|&i| {
                self.container.is_some()
                    && self.namespace.is_none()
                    && self.is_value(i)
                    && self.place(i, None) == Place::In
                    && !is_namespace_word(self.tokens[i].low)
            })?;
            Some(self.take_value(i))
        });
        // `kubectl logs -l app=checkout`, "logs of pods with label
        // app=checkout": the pods of the workload the app label names,
        // whose newest pod the workflow reads.
        let name = name.or_else(|| {
            let selector = match self.label_selector.clone() {
                Some(selector) => selector,
                None => {
                    let i = (0..self.len()).find(|&i| {
                        self.tokens[i].shape == Shape::Assign
                            && !self.used[i]
                            && self.tokens[i].value.is_some()
                    })?;
                    self.use_token(i);
                    format!("{}={}", self.tokens[i].low, self.tokens[i].value?)
                }
            };
            app_of_selector(&selector).map(str::to_owned)
        });
        let namespace = self.take_namespace(false, true);
        let Some(name) = name else {
            return Intent::clarify(
                vec![Param::Name],
                "Which pod's logs should I show? I need a pod name.",
            );
        };
        let arguments = Arguments {
            name: Some(name),
            namespace,
            container: self.container.clone(),
            previous: self.previous.then_some(true),
            tail: self.tail,
            ..self.base()
        };
        Intent::ReadOnly {
            tool: Tool::PodsLog,
            arguments,
        }
    }

    /// "logs from before the crash", "logs of the crashed container".
    fn crashed_container_phrase(&self) -> bool {
        self.tokens.windows(2).any(|pair| {
            (pair[0].w() == Some(W::After)
                && pair[0].low == "before"
                && matches!(pair[1].w(), Some(W::Wrong | W::Restarts | W::Filler)))
                || (pair[0].w() == Some(W::Last)
                    && matches!(pair[1].w(), Some(W::Wrong | W::Restarts)))
                || (matches!(
                    pair[0].low,
                    "crashed" | "terminated" | "dead" | "killed" | "failed" | "old"
                ) && pair[1].w() == Some(W::Container))
        })
    }

    /// A node's name: as any name, or after "on"/"in" (nodes have no namespace).
    fn take_node_name(&mut self, kind_at: Option<usize>) -> Option<String> {
        if let Some(name) = self.take_name(kind_at, true) {
            return Some(name);
        }
        self.take_value_at(Place::In, kind_at, |_| true)
    }

    fn node_logs(&mut self, kind_at: Option<usize>) -> Intent {
        let query = self.node_query.clone().unwrap_or_else(|| {
            self.tokens
                .iter()
                .find(|t| t.w() == Some(W::NodeService) || t.low == "kube-proxy")
                .map_or("kubelet", |t| match t.low {
                    "journal" | "journald" | "syslog" | "dmesg" => "kubelet",
                    "cri-o" => "crio",
                    other => other,
                })
                .to_owned()
        });
        for i in 0..self.len() {
            if self.is_w(i, W::NodeService) || self.low(i) == "kube-proxy" {
                self.use_token(i);
            }
        }
        let name = self.take_node_name(kind_at);
        let Some(name) = name else {
            return Intent::clarify(
                vec![Param::Name],
                "Which node's logs should I show? I need a node name.",
            );
        };
        let arguments = Arguments {
            name: Some(name),
            query: Some(query),
            tail_lines: self.tail,
            ..self.base()
        };
        Intent::ReadOnly {
            tool: Tool::NodesLog,
            arguments,
        }
    }

    fn top(&mut self, main: Option<(usize, ResourceKind, Number)>) -> Intent {
        let kind_at = main.map(|(i, _, _)| i);
        // "cpu usage on worker-1": no kind named, and the place is a node.
        if main.is_none()
            && let Some(name) = self.take_node_after_on()
        {
            let arguments = Arguments {
                name: Some(name),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::NodesTop,
                arguments,
            };
        }
        // "what's the total memory of the cluster": the nodes' figures.
        if main.is_none()
            && self.has_w_anywhere(&[W::Cluster])
            && self.namespace.is_none()
            && self.leftover_value().is_none()
        {
            return Intent::ReadOnly {
                tool: Tool::NodesTop,
                arguments: self.base(),
            };
        }
        if main.is_some_and(|(_, k, _)| k == ResourceKind::Node) {
            let loose = main.is_some_and(|(_, _, n)| n != Number::Plural) || self.kubectl;
            let name = self.take_name(kind_at, loose);
            let arguments = Arguments {
                name,
                top_label_selector: self.selector(),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::NodesTop,
                arguments,
            };
        }
        let loose = main.is_some_and(|(_, _, n)| n != Number::Plural) || self.kubectl;
        let pods = main.is_some_and(|(_, k, _)| k == ResourceKind::Pod);
        let name = self.take_name(kind_at.filter(|_| pods), loose);
        // "how much memory is payment-service using", "cpu usage of checkout":
        // a workload's name (the workflow resolves it to its pods).
        let name = match name {
            Some(name) => Some(name),
            None if main.is_none() => self.consumer_named(),
            // "how much memory are the ledger pods in finance eating": a
            // workload's pods (the workflow resolves the name to them).
            None if pods => kind_at.and_then(|k| self.app_of_pods(k)),
            None => None,
        };
        // "how much memory is node-2 using": the consumer is a node (named
        // as nodes are, no kind and no namespace given).
        if main.is_none()
            && self.namespace.is_none()
            && let Some(node) = name.as_deref().filter(|name| {
                // A numbered node ("node-2"), not "node-exporter".
                is_node_name_shaped(name) && name.bytes().any(|b| b.is_ascii_digit())
            })
            && !(0..self.len()).any(|i| self.is_value(i) && self.place(i, None) == Place::In)
        {
            let arguments = Arguments {
                name: Some(node.to_owned()),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::NodesTop,
                arguments,
            };
        }
        // "how busy is worker-2": no kind, no namespace, and the subject
        // follows a node naming convention.
        if name.is_none()
            && main.is_none()
            && self.namespace.is_none()
            && let Some(i) = self.leftover_value()
            && is_node_name_shaped(self.tokens[i].raw)
            && self.place(i, None) != Place::In
        {
            let arguments = Arguments {
                name: Some(self.take_value(i)),
                ..self.base()
            };
            return Intent::ReadOnly {
                tool: Tool::NodesTop,
                arguments,
            };
        }
        // "top pods on worker-1": `pods_top` cannot select by node, so the
        // pods on the node are listed (with their status), not a usage
        // table of every pod that would pass for that node's.
        if pods
            && name.is_none()
            && let Some(selector) = self.node_field_selector()
        {
            let namespace = if self.all_namespaces {
                None
            } else {
                self.take_namespace(false, false)
            };
            let tool = if namespace.is_some() {
                Tool::PodsListInNamespace
            } else {
                Tool::PodsList
            };
            return Intent::ReadOnly {
                tool,
                arguments: Arguments {
                    namespace,
                    field_selector: Some(selector),
                    ..self.base()
                },
            };
        }
        let namespace = if self.all_namespaces {
            None
        } else {
            self.take_namespace(false, true)
        };
        let all_namespaces = if namespace.is_some() {
            Some(false)
        } else if self.all_namespaces {
            Some(true)
        } else {
            None
        };
        let arguments = Arguments {
            name,
            namespace,
            all_namespaces,
            top_label_selector: self.selector(),
            ..self.base()
        };
        Intent::ReadOnly {
            tool: Tool::PodsTop,
            arguments,
        }
    }

    /// The subject of a usage question without a kind: the value before
    /// "using"/"uses"/"consuming", or after "of"/"for" ("memory usage of
    /// checkout"), unless it is a common namespace name.
    fn consumer_named(&mut self) -> Option<String> {
        let i = (0..self.len()).find(|&i| {
            self.is_value(i)
                && !is_namespace_word(self.tokens[i].low)
                && (matches!(
                    self.low(i + 1),
                    "using" | "uses" | "use" | "consuming" | "consumes" | "eating" | "hogging"
                ) || self
                    .prev_meaningful(i)
                    .is_some_and(|p| matches!(self.w(p), Some(W::Of | W::For))))
        })?;
        self.use_token(i);
        Some(owned(self.tokens[i].raw))
    }

    fn current_replicas(&mut self, main: Option<(usize, ResourceKind, Number)>) -> Option<Intent> {
        let kind = main.map_or(ResourceKind::Deployment, |(_, k, _)| k);
        if !kind.scalable() {
            return None;
        }
        let name = self.take_name(main.map(|(i, _, _)| i), true)?;
        if let Some((k, _, _)) = main {
            self.use_token(k);
        }
        let namespace = self.take_namespace(false, true);
        Some(Intent::ReadOnly {
            tool: Tool::ResourcesScale,
            arguments: self.resource_args(kind, name, namespace),
        })
    }

    fn events(&mut self, k: Option<usize>) -> Intent {
        if let Some(k) = k {
            self.use_token(k);
        }
        let mut selectors: Vec<String> = Vec::new();
        if let Some(selector) = self.field_selector.clone() {
            selectors.push(selector);
        }
        // "events for pod web-1", "events of deployment web".
        let object = self.kinds().next();
        if let Some((o, _, _)) = object {
            if let Some(name) = self.take_name(Some(o), true) {
                selectors.push(format!("involvedObject.name={name}"));
            }
            self.use_token(o);
        } else if let Some(i) = {
            // "events for checkout in production": with the namespace given
            // elsewhere, the value after "for"/"of"/"about" is the object
            // (the workflow widens a bare workload name to its pods).
            let namespace_elsewhere = self.namespace.is_some()
                || (0..self.len()).any(|j| self.is_value(j) && self.place(j, None) == Place::In);
            (0..self.len()).find(|&i| {
                self.is_value(i)
                    && (matches!(self.place(i, None), Place::Of | Place::Named)
                        && (self.looks_generated(i) && looks_like_pod_name(self.tokens[i].low)
                            || namespace_elsewhere && !is_namespace_word(self.tokens[i].low))
                        // "what happened to checkout": the object the events are about.
                        || matches!(self.place(i, None), Place::To | Place::Of | Place::Named)
                            && self.has_w_anywhere(&[W::Happened]))
            })
        } {
            self.use_token(i);
            selectors.push(format!("involvedObject.name={}", owned(self.tokens[i].raw)));
        } else if self.is_terse()
            && self.len() >= 3
            && self.is_value(self.len() - 1)
            // "events checkout prod", "checkout events prod": bare words,
            // the namespace last and the object before it.
            && let Some(i) = (0..self.len() - 1)
                .find(|&i| self.is_value(i) && !is_namespace_word(self.tokens[i].low))
        {
            self.use_token(i);
            selectors.push(format!("involvedObject.name={}", owned(self.tokens[i].raw)));
        }
        if self.has_w_anywhere(&[W::Warning]) || self.low_any("type=warning") {
            selectors.push("type=Warning".to_owned());
        }
        let namespace = if self.all_namespaces {
            None
        } else {
            self.take_namespace(false, true)
        };
        let arguments = Arguments {
            namespace,
            field_selector: (!selectors.is_empty()).then(|| selectors.join(",")),
            ..self.base()
        };
        Intent::ReadOnly {
            tool: Tool::EventsList,
            arguments,
        }
    }
}

/// Words that ask for a DNS or connectivity test.
/// "can web reach postgres on 5432": whether a TCP connection to `host`
/// on `port` opens (`nc -z`), which answers for any protocol; an HTTP
/// request to a database's port would fail even when it is reachable.
/// The app a label selector picks ("app=checkout", "tier=web,app=cart"):
/// the value of its app label, when every term is an equality.
fn app_of_selector(selector: &str) -> Option<&str> {
    let mut app = None;
    for term in selector.split(',') {
        let (key, value) = term.split_once('=')?;
        if key.ends_with('!') || value.starts_with('=') || !is_name_shaped(value) {
            return None;
        }
        if matches!(
            key.trim(),
            "app" | "app.kubernetes.io/name" | "app.kubernetes.io/instance" | "k8s-app" | "run"
        ) {
            app = Some(value);
        }
    }
    app
}

/// Kinds a workload's pod template names (or, for a storage class, a
/// claim): asked about an object named without its kind, the holder is
/// what is read.
fn held_by_workloads(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::ConfigMap
            | ResourceKind::Secret
            | ResourceKind::PersistentVolumeClaim
            | ResourceKind::ServiceAccount
            | ResourceKind::PriorityClass
            | ResourceKind::StorageClass
    )
}

/// "A" or "An" before `noun` ("An ingress cannot be restarted").
fn capital_article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    }
}

fn port_test(host: &str, port: u16) -> Vec<String> {
    ["nc", "-z", "-v", "-w", "5", host]
        .iter()
        .map(|part| (*part).to_owned())
        .chain([port.to_string()])
        .collect()
}

fn is_network_test_word(word: &str) -> bool {
    matches!(
        word,
        "dns"
            | "nslookup"
            | "dig"
            | "ping"
            | "curl"
            | "wget"
            | "traceroute"
            | "reach"
            | "reachable"
            | "reachability"
            | "resolve"
            | "resolves"
            | "resolving"
            | "resolution"
            | "connectivity"
            | "talk"
            | "connect"
            | "internet"
    )
}

/// A key written as environment variables are: capitals, digits and
/// underscores, with a capital letter (`LOG_LEVEL`, `DB_HOST`).
fn is_environment_key(text: &str) -> bool {
    text.len() >= 2
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && text.bytes().any(|b| b.is_ascii_uppercase())
        && !text.starts_with(|c: char| c.is_ascii_digit())
}

/// A Kubernetes quantity: `1Gi`, `512Mi`, `500m`, `0.5`, `2`.
fn is_quantity(text: &str) -> bool {
    // Bytes, not `char` patterns: this runs for every word of a resource change.
    let bytes = text.as_bytes();
    if !bytes
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
    {
        return false;
    }
    let digits_end = bytes
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(bytes.len());
    let (number, suffix) = bytes.split_at(digits_end);
    number.iter().any(u8::is_ascii_digit)
        && number.iter().filter(|b| **b == b'.').count() <= 1
        && matches!(
            suffix,
            b"" | b"m" | b"k" | b"M" | b"G" | b"T" | b"Ki" | b"Mi" | b"Gi" | b"Ti"
        )
}

/// What a workload's pod template holds, asked about as "what labels does
/// cart have", "does cart have a liveness probe": answered by reading the
/// workload (ports are asked of the Service: "what ports does X expose").
fn is_pod_template_field(word: &str) -> bool {
    matches!(
        word,
        "label"
            | "labels"
            | "annotation"
            | "annotations"
            | "probe"
            | "probes"
            | "liveness"
            | "readiness"
            | "toleration"
            | "tolerations"
            | "affinity"
            | "env"
            | "envs"
            | "environment"
            | "variables"
            | "limits"
            | "requests"
            | "resources"
            | "args"
            | "arguments"
            | "command"
            | "containers"
            | "sidecars"
            | "image"
            | "images"
            | "strategy"
            | "selector"
            | "nodeselector"
            | "securitycontext"
            | "volumes"
            | "mounts"
            | "volumemounts"
    )
}

/// Namespace names so common that a request naming one means the namespace,
/// not an object called so ("what's wrong with production").
const NAMESPACE_WORDS: &[&str] = &[
    "production",
    "prod",
    "staging",
    "stage",
    "stg",
    "dev",
    "development",
    "qa",
    "uat",
    "preprod",
    "pre-prod",
    "sandbox",
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
];

/// The words of one pod's failure states (as `kubectl get pods` shows them).
fn is_pod_symptom(word: &str) -> bool {
    matches!(
        word,
        "crashloop"
            | "crashloopbackoff"
            | "crashlooping"
            | "oom"
            | "oomkilled"
            | "oomkill"
            | "oom-killed"
            | "imagepullbackoff"
            | "errimagepull"
            | "containercreating"
            | "createcontainerconfigerror"
            | "createcontainererror"
    )
}

/// Whether a word names a pod's failure inside a longer name, as alerts
/// do (`KubePodCrashLooping`, `KubeContainerOOMKilled`, `PodNotReady`).
fn names_a_pod_failure(word: &str) -> bool {
    [
        "crashloop",
        "oomkill",
        "imagepullbackoff",
        "errimagepull",
        "notready",
    ]
    .iter()
    .any(|symptom| word.contains(symptom))
}

fn is_namespace_word(name: &str) -> bool {
    NAMESPACE_WORDS.contains(&name)
}

/// Pod names generated by a ReplicaSet end in `-<hash>-<5 chars>`; by a
/// StatefulSet in `-<ordinal>`.
fn looks_like_pod_name(name: &str) -> bool {
    let mut parts = name.rsplit('-');
    let last = parts.next().unwrap_or("");
    let has_prefix = parts.next().is_some();
    has_prefix
        && ((last.len() == 5
            && last.bytes().all(|b| b.is_ascii_alphanumeric())
            && last.bytes().any(|b| b.is_ascii_digit()))
            || (!last.is_empty() && last.len() <= 3 && last.bytes().all(|b| b.is_ascii_digit())))
}

/// Synonyms folded into the change they ask for.
fn normalize_change(change: Change) -> Change {
    match change {
        Change::Kill | Change::Evict => Change::Delete,
        Change::Deploy | Change::Apply => Change::Create,
        Change::Increase | Change::Decrease => Change::Scale,
        Change::Start => Change::Run,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workloads_pods_named_first_in_the_request_are_its_pods() {
        // "the" as the request's first word has nothing before it to look at
        // (this panicked on a subtraction: CI's token soup found it).
        let intent = classify("the checkout pods in shop");
        assert_eq!(intent.path(), "read_only", "{intent}");
        assert!(intent.to_string().contains("checkout"), "{intent}");
    }

    #[test]
    fn small_talk_gets_the_list_of_what_kubeop_does() {
        for text in [
            "hi",
            "help",
            "what can you do?",
            "Hello there",
            "who are you",
        ] {
            match classify(text) {
                Intent::Clarify {
                    question, missing, ..
                } => {
                    assert_eq!(question, CAPABILITIES, "{text}");
                    assert_eq!(missing, vec![Param::Intent], "{text}");
                }
                other => panic!("{text:?} -> {other}"),
            }
        }
        // Help asked with a request is the request.
        assert_eq!(classify("help me debug pod web-1").path(), "diagnose");
        // Thanks alone ask for nothing.
        for text in ["thanks!", "thank you", "Thanks a lot", "cheers"] {
            match classify(text) {
                Intent::Clarify { question, .. } => assert_eq!(question, YOU_ARE_WELCOME, "{text}"),
                other => panic!("{text:?} -> {other}"),
            }
        }
    }

    #[test]
    fn saying_no_to_a_plan_declines_it_and_names_nothing() {
        for text in [
            "no",
            "No.",
            "nope",
            "cancel",
            "cancel that",
            "never mind",
            "nevermind",
            "don't",
            "don't do it",
            "do not do that",
            "no thanks",
            "no, cancel the plan",
            "forget it",
            "not now",
            "deny it",
            "actually, never mind",
            "stop",
        ] {
            assert_eq!(
                classify(text),
                Intent::clarify(vec![Param::Decline], DECLINE_QUESTION),
                "{text:?}"
            );
        }
        // A change named in the words is that change (or its negation), and
        // assent, thanks or waiting are not a refusal.
        for text in [
            "don't restart checkout",
            "cancel the cronjob db-backup",
            "do it",
            "thanks",
            "wait",
            "no pods in staging?",
        ] {
            assert!(
                !matches!(classify(text), Intent::Clarify { ref missing, .. } if missing == &[Param::Decline]),
                "{text:?} -> {}",
                classify(text)
            );
        }
    }

    #[test]
    fn a_rollback_is_a_template_change_to_a_revision_the_workflow_reads() {
        let template = |text: &str| match classify(text) {
            Intent::Mutation {
                operation: Operation::CreateUpdate,
                tool: Tool::ResourcesCreateOrUpdate,
                arguments,
                kind_defaulted,
            } => {
                let resource = arguments.resource.unwrap_or_default();
                let kind = resource
                    .lines()
                    .find_map(|line| line.strip_prefix("kind: "))
                    .unwrap_or_default()
                    .to_owned();
                let template = resource
                    .lines()
                    .find_map(|line| line.strip_prefix("  template: "))
                    .unwrap_or_default()
                    .to_owned();
                (kind, template, kind_defaulted)
            }
            other => panic!("{text:?} -> {other}"),
        };
        use crate::manifest::{PREVIOUS_REVISION_PLACEHOLDER, REVISION_PLACEHOLDER_PREFIX};
        let previous = format!("\"{PREVIOUS_REVISION_PLACEHOLDER}\"");
        for text in [
            "roll back checkout in shop",
            "undo the last rollout of web-frontend in production",
            "revert checkout to the previous version",
            "roll checkout in production back",
            "go back to the previous version of checkout in shop",
        ] {
            assert_eq!(
                template(text),
                ("Deployment".to_owned(), previous.clone(), true),
                "{text}"
            );
        }
        assert_eq!(
            template("rollback statefulset postgres"),
            ("StatefulSet".to_owned(), previous.clone(), false)
        );
        for text in [
            "roll back checkout to revision 3",
            "kubectl rollout undo deploy/checkout --to-revision=3",
            "kubectl rollout undo deploy checkout --to-revision 3",
            "switch checkout back to rev #3",
        ] {
            assert_eq!(
                template(text).1,
                format!("\"{REVISION_PLACEHOLDER_PREFIX}3}}\""),
                "{text}"
            );
        }
        // An image named is the image to set, not a revision.
        let Intent::Mutation { arguments, .. } = classify("roll back checkout to nginx:1.26")
        else {
            panic!("a change");
        };
        assert!(
            arguments
                .resource
                .is_some_and(|resource| resource.contains("image: \"nginx:1.26\"")),
        );
        let question = |text: &str| match classify(text) {
            Intent::Clarify { question, .. } => question,
            other => panic!("{text:?} -> {other}"),
        };
        assert!(question("undo pod web-1").contains("A pod keeps no revisions"));
        assert!(question("undo the scale of web").contains("does not undo a scale"));
        assert!(question("roll back checkout 2 revisions").contains("to revision N"));
        assert!(question("roll back").contains("Which deployment should I roll back?"));
        // "back" alone is no rollback.
        assert!(!matches!(
            classify("bring web back up"),
            Intent::Mutation { .. }
        ));
    }

    #[test]
    fn a_question_that_suggests_a_request_repeats_the_namespace_given() {
        let question = |text: &str| match classify(text) {
            Intent::Clarify { question, .. } => question,
            other => panic!("{text:?} -> {other}"),
        };
        let stop = question("stop checkout in shop");
        assert!(
            stop.contains("say \"scale checkout to 0 in shop\""),
            "{stop}"
        );
        let stop = question("stop checkout");
        assert!(stop.contains("say \"scale checkout to 0\","), "{stop}");
        let all = question("get all in default");
        assert!(
            all.contains("Which should I list in default?")
                && all.ends_with("ask for a health check in default."),
            "{all}"
        );
    }

    #[test]
    fn a_field_removed_is_said_with_the_kubectl_command_that_removes_it() {
        let question = |text: &str| match classify(text) {
            Intent::Clarify { question, .. } => question,
            other => panic!("{text:?} -> {other}"),
        };
        for text in [
            "remove env LOG_LEVEL from nginx in staging",
            "kubectl set env deployment/nginx LOG_LEVEL- -n staging",
        ] {
            let removal = question(text);
            assert!(
                removal.contains("kubectl set env deployment/nginx LOG_LEVEL- -n staging"),
                "{text}: {removal}"
            );
        }
        let container = question("set image web-frontend=nginx:1.28 in production");
        assert!(
            container.contains("Which deployment is the container web-frontend in?"),
            "{container}"
        );
    }

    #[test]
    fn a_what_if_is_explained_and_names_nothing() {
        for (text, explanation) in [
            ("what happens if the node dies", EXPLAIN_NODE_LOSS),
            ("what if worker-1 fails", EXPLAIN_NODE_LOSS),
            ("what happens if the pod crashes", EXPLAIN_POD_LOSS),
            ("what happens if the cache is empty", EXPLAIN_WHAT_IF),
        ] {
            assert_eq!(
                classify(text),
                Intent::clarify(vec![Param::Intent], explanation),
                "{text}"
            );
        }
    }
}

#[cfg(test)]
mod typo_tests {
    use super::*;

    #[test]
    fn one_typo_means_one_letter_missing_added_changed_or_swapped() {
        for (word, verb) in [
            ("delte", "delete"),
            ("scael", "scale"),
            ("restar", "restart"),
            ("lsit", "list"),
            ("deletee", "delete"),
            ("scile", "scale"),
        ] {
            assert!(one_typo_apart(word, verb), "{word} ~ {verb}");
        }
        for (word, verb) in [
            ("delete", "delete"),
            ("dlt", "delete"),
            ("updater", "upgrade"),
        ] {
            assert!(!one_typo_apart(word, verb), "{word} !~ {verb}");
        }
    }

    #[test]
    fn a_misspelt_change_verb_is_asked_about_and_a_misspelt_read_is_read() {
        match classify("delte pod web-1") {
            Intent::Clarify { question, .. } => {
                assert!(question.contains("\"delete\""), "{question}")
            }
            other => panic!("a misspelt delete must be asked about, got {other}"),
        }
        assert_eq!(classify("lsit pods").tool(), Some(Tool::PodsList));
        // An object named like a verb, as a subject, is no typo.
        assert_eq!(classify("updater is crashing").path(), "diagnose");
    }

    #[test]
    fn a_short_kind_is_read_only_with_two_neighbours_swapped() {
        assert!(neighbours_swapped(b"pdos", b"pods"));
        assert!(neighbours_swapped(b"nodse", b"nodes"));
        assert!(!neighbours_swapped(b"pods", b"pods"));
        // One letter changed is too close to too many words: "code" ~ "node".
        assert!(!neighbours_swapped(b"code", b"node"));
        assert_eq!(classify("get pdos").tool(), Some(Tool::PodsList));
        assert_eq!(classify("get code").path(), "clarify");
        // In a change, a misspelt kind is asked about, never guessed.
        assert_eq!(classify("delete pdos web-1").path(), "clarify");
    }

    #[test]
    fn an_order_not_to_change_is_no_change() {
        assert_eq!(
            classify("don't restart anything, just list pods in staging").tool(),
            Some(Tool::PodsListInNamespace)
        );
        // Negated with its own object and nothing else asked: a question.
        assert_eq!(classify("don't delete pod web-1").path(), "clarify");
        // A change after a negated word stays a change.
        assert_eq!(classify("don't wait, delete pod web-1").path(), "mutation");
    }
}
