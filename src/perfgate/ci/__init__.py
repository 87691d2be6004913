"""Telling the pull request: a comment perfgate updates in place, a commit status and a check run, on
GitHub and GitLab; on a fork pull request an artifact a trusted workflow posts (see ``docs/ci.md``).

An edge layer: it talks to the forges' REST APIs (httpx) and reads the CI environment and the report
file it is given; it imports the report, model, context and error layers only.
"""

import typing

if typing.TYPE_CHECKING:
    from perfgate.ci.forges import CHECK_SUMMARY_LIMIT, Comment, Forge, GitHub, GitLab
    from perfgate.ci.http import Api, ApiError
    from perfgate.ci.publish import (
        WHEN,
        Artifact,
        Posted,
        comment_body,
        comment_key,
        comment_marker,
        description,
        open_forge,
        post_artifact,
        post_comment,
        post_status,
        read_artifact,
        said,
        should_create,
        write_artifact,
    )
    from perfgate.ci.target import Target, WorkflowRun, detect_target
else:  # each module imported when one of its names is first read (perfgate.lazy)
    from perfgate.lazy import lazy_package as _lazy_package

    _lazy_package(
        __name__,
        {
            "forges": ("CHECK_SUMMARY_LIMIT", "Comment", "Forge", "GitHub", "GitLab"),
            "http": ("Api", "ApiError"),
            "publish": (
                "WHEN",
                "Artifact",
                "Posted",
                "comment_body",
                "comment_key",
                "comment_marker",
                "description",
                "open_forge",
                "post_artifact",
                "post_comment",
                "post_status",
                "read_artifact",
                "said",
                "should_create",
                "write_artifact",
            ),
            "target": ("Target", "WorkflowRun", "detect_target"),
        },
    )

__all__ = [
    "CHECK_SUMMARY_LIMIT",
    "WHEN",
    "Api",
    "ApiError",
    "Artifact",
    "Comment",
    "Forge",
    "GitHub",
    "GitLab",
    "Posted",
    "Target",
    "WorkflowRun",
    "comment_body",
    "comment_key",
    "comment_marker",
    "description",
    "detect_target",
    "open_forge",
    "post_artifact",
    "post_comment",
    "post_status",
    "read_artifact",
    "said",
    "should_create",
    "write_artifact",
]
