//! An image reference the kubelet cannot parse (`InvalidImageName`):
//! nothing is pulled, so no registry answer or credential matters; the
//! reference itself is wrong. A repository written with capitals is
//! proposed in lower case (the only spelling a registry accepts); any other
//! mistake is named for a human to correct.

use super::{Context, workload};
use crate::diagnosis::proposal;
use crate::diagnosis::{Cause, Diagnosis, Evidence};

/// `image` with its repository in lower case; the registry host (case does
/// not matter there, and a port stays), the tag and the digest as written.
fn lowercased_repository(image: &str) -> String {
    let (reference, digest) = match image.split_once('@') {
        Some((reference, digest)) => (reference, Some(digest)),
        None => (image, None),
    };
    let (path, tag) = match reference.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
        _ => (reference, None),
    };
    let path = match path.split_once('/') {
        Some((host, repository))
            if host.contains('.') || host.contains(':') || host == "localhost" =>
        {
            format!("{host}/{}", repository.to_ascii_lowercase())
        }
        _ => path.to_ascii_lowercase(),
    };
    let mut lowered = path;
    if let Some(tag) = tag {
        lowered = format!("{lowered}:{tag}");
    }
    if let Some(digest) = digest {
        lowered = format!("{lowered}@{digest}");
    }
    lowered
}

/// The parser's complaint at the end of the kubelet's message
/// (`couldn't parse image name "X": invalid reference format...`).
fn parse_problem<'m>(message: &'m str, image: &str) -> &'m str {
    let marker = format!("couldn't parse image name \"{image}\": ");
    message
        .split_once(marker.as_str())
        .map_or(message, |(_, problem)| problem)
}

pub(super) fn invalid_reference(
    mut context: Context<'_>,
    container: &str,
    image: &str,
    message: &str,
) -> Diagnosis {
    let source = context.pod_source();
    context.evidence.insert(
        0,
        Evidence::new(
            source,
            format!("container {container} is waiting: InvalidImageName: {message}"),
        ),
    );
    context.evidence.push(Evidence::new(
        format!("spec of container {container}"),
        format!("image: {image}"),
    ));
    context.quote_events(|event| {
        event.is_warning() && (event.reason == "InspectFailed" || event.reason == "Failed")
    });
    let problem = parse_problem(message, image).to_string();
    let lowered = lowercased_repository(image);
    let plan = if problem.contains("must be lowercase") && lowered != image {
        workload(context.facts).and_then(|owner| {
            proposal::set_image(
                owner,
                container,
                image,
                &lowered,
                "repository names are lower case",
            )
        })
    } else {
        None
    };
    let fix = match &plan {
        Some(change) => format!("Proposed: {}.", change.summary),
        None => "Correct the image in the pod template: a reference is [registry/]repository[:tag][@digest], the repository in lower case, without spaces or a second colon.".to_string(),
    };
    let pod_name = context.state.name.clone();
    let summary = format!(
        "Container {container} of pod {pod_name} cannot start: its image reference {image} is not valid ({problem}), so the kubelet never tries to pull it; no registry or credentials are involved. {fix}"
    );
    context.finish(Cause::InvalidImageName, summary, plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_repository_is_lowered() {
        assert_eq!(
            lowercased_repository("ghcr.io/Acme/Web:1.0-RC1"),
            "ghcr.io/acme/web:1.0-RC1"
        );
        assert_eq!(
            lowercased_repository("Registry.Local:5000/Team/app@sha256:ABC"),
            "Registry.Local:5000/team/app@sha256:ABC"
        );
        assert_eq!(lowercased_repository("Nginx"), "nginx");
        assert_eq!(
            parse_problem(
                "Failed to apply default image tag \"Nginx\": couldn't parse image name \"Nginx\": invalid reference format: repository name (library/Nginx) must be lowercase",
                "Nginx"
            ),
            "invalid reference format: repository name (library/Nginx) must be lowercase"
        );
    }
}
