"""The thread page's thread, community, membership and draft as plain rows, not ORM objects.

The page only shows them and asks `access` about them: each row holds the columns that
the page, its templates and the access rules read, under the models' own names, so the
rules take a row or the model alike. Building the four ORM objects (identity map, loading
machinery) cost more than the statement that read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from community.communities.models import Community, Membership, ReplyDraft, Thread


@dataclass(frozen=True, slots=True)
class CommunityRow:
    id: int
    slug: str
    name: str
    icd10: str
    archived_at: datetime | None


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    community_id: int
    author_id: int
    title: str
    kind: str
    audience: str
    status: str
    community: CommunityRow


@dataclass(frozen=True, slots=True)
class MembershipRow:
    community_id: int
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class ReplyDraftRow:
    body: str
    updated_at: datetime


AnyThread: TypeAlias = Thread | ThreadRow
AnyCommunity: TypeAlias = Community | CommunityRow
AnyMembership: TypeAlias = Membership | MembershipRow
AnyReplyDraft: TypeAlias = ReplyDraft | ReplyDraftRow
