"""Every table of Outboard. Import from here so that Alembic sees them all."""

from outboard.db.models.base import Base
from outboard.db.models.campaigns import (
    Run,
    Sequence,
    Step,
    StrategyProfileRow,
    WorkspacePlay,
    run_source_groups,
    sequence_senders,
    sequence_source_groups,
)
from outboard.db.models.inbox import (
    EnrichmentCache,
    InboundMessage,
    MailboxCursor,
    WebhookDelivery,
    WebhookEndpoint,
)
from outboard.db.models.index import IndexBulkLoad, IndexCompany, IndexPerson, IndexPersonDetail
from outboard.db.models.leads import (
    Company,
    Event,
    FieldProvenance,
    Lead,
    SourceGroup,
    SourceGroupMember,
    Suppression,
)
from outboard.db.models.outreach import Enrollment, LinkedinTask, Message, MessageRevision, SenderAccount
from outboard.db.models.tallies import EnrollmentTally, MessageTally
from outboard.db.models.workspace import ApiToken, Invitation, Job, UsageEntry, User, Workspace

__all__ = [
    "ApiToken", "Base", "Company", "EnrichmentCache", "Enrollment", "EnrollmentTally", "Event", "FieldProvenance",
    "InboundMessage",
    "IndexBulkLoad", "IndexCompany", "IndexPerson", "IndexPersonDetail", "Invitation", "Job", "Lead", "LinkedinTask",
    "MailboxCursor", "Message", "MessageRevision", "MessageTally", "Run",
    "SenderAccount", "Sequence", "SourceGroup", "SourceGroupMember", "Step", "StrategyProfileRow", "Suppression",
    "UsageEntry", "User", "WebhookDelivery", "WebhookEndpoint", "Workspace", "WorkspacePlay", "run_source_groups",
    "sequence_senders", "sequence_source_groups",
]
