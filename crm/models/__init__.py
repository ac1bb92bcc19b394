"""All models, imported here so the metadata Alembic sees is complete."""

from crm.models.administration import AppSetting, AuditEvent
from crm.models.base import Base, UTCDateTime
from crm.models.clients import GROWTH_LEVERS, MEMBERSHIP_STATUSES, Client, Membership
from crm.models.followups import FOLLOWUP_STATUSES, FollowUp, FollowUpRule
from crm.models.growth import PLACEMENT_KINDS, CommissionChange, Placement, Promotion
from crm.models.mailboxes import (
    FOLDER_ROLES,
    MAILBOX_SECURITIES,
    MAILBOX_STATUSES,
    BccAddress,
    Mailbox,
    MailboxFolder,
    Snippet,
)
from crm.models.meetings import MEETING_STATUSES, PARTSTATS, Meeting
from crm.models.outreach import (
    ENROLLMENT_STATUSES,
    INBOUND_KINDS,
    OUTBOUND_STATUSES,
    STOP_REASONS,
    SUPPRESSION_REASONS,
    Enrollment,
    InboundMessage,
    Lease,
    OutboundEmail,
    Sequence,
    SequenceStep,
    Suppression,
)
from crm.models.partners import (
    DIRECTIONS,
    INTERACTION_KINDS,
    LOGGABLE_KINDS,
    SOURCES,
    STAGES,
    Interaction,
    Partner,
    PartnerTag,
)
from crm.models.performance import (
    PerformanceClientDay,
    PerformanceDay,
    PerformanceMembershipMonth,
)
from crm.models.reports import ReportShare
from crm.models.users import ROLES, ApiToken, User

__all__ = [
    "AppSetting",
    "AuditEvent",
    "Base",
    "UTCDateTime",
    "GROWTH_LEVERS",
    "MEMBERSHIP_STATUSES",
    "Client",
    "Membership",
    "DIRECTIONS",
    "INTERACTION_KINDS",
    "LOGGABLE_KINDS",
    "SOURCES",
    "STAGES",
    "Interaction",
    "Partner",
    "PartnerTag",
    "PLACEMENT_KINDS",
    "CommissionChange",
    "Placement",
    "Promotion",
    "PerformanceDay",
    "PerformanceClientDay",
    "PerformanceMembershipMonth",
    "ReportShare",
    "FOLLOWUP_STATUSES",
    "FollowUp",
    "FollowUpRule",
    "MEETING_STATUSES",
    "PARTSTATS",
    "Meeting",
    "ENROLLMENT_STATUSES",
    "INBOUND_KINDS",
    "OUTBOUND_STATUSES",
    "STOP_REASONS",
    "SUPPRESSION_REASONS",
    "Enrollment",
    "InboundMessage",
    "Lease",
    "OutboundEmail",
    "Sequence",
    "SequenceStep",
    "Suppression",
    "ROLES",
    "ApiToken",
    "User",
    "FOLDER_ROLES",
    "MAILBOX_SECURITIES",
    "MAILBOX_STATUSES",
    "BccAddress",
    "Mailbox",
    "MailboxFolder",
    "Snippet",
]
