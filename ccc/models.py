"""Every table of CCC gathered in one place, so that `SQLModel.metadata` is complete for Alembic
and for the test that compares the models with the migrations. Code imports a model from its
domain package; nothing else should import from here."""

from __future__ import annotations

from ccc.access.models import (
    ApiToken,
    AuditEntry,
    BreakGlassGrant,
    Role,
    Team,
    TeamMembership,
    User,
)
from ccc.calls.models import Call, Callback, CallbackAttempt, Recording
from ccc.channels.models import PHONE_CHANNELS, Channel
from ccc.console.models import ConsoleSession, LoginAttempt, TicketPresence
from ccc.contacts.models import Contact, Identity
from ccc.conversations.models import Conversation
from ccc.jobs.models import OutboxJob
from ccc.live.models import LiveEvent
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.referrals.models import Referral, ReferralStatus
from ccc.replies.models import SavedReply
from ccc.retention.models import TicketHold
from ccc.tickets.models import Category, Priority, Sensitivity, Ticket, TicketEvent, TicketStatus

__all__ = [
    "PHONE_CHANNELS",
    "ApiToken",
    "AuditEntry",
    "BreakGlassGrant",
    "Call",
    "Callback",
    "CallbackAttempt",
    "Category",
    "Channel",
    "ConsoleSession",
    "Contact",
    "Conversation",
    "Direction",
    "Identity",
    "LiveEvent",
    "LoginAttempt",
    "Message",
    "MessageStatus",
    "OutboxJob",
    "Priority",
    "Recording",
    "Referral",
    "ReferralStatus",
    "Role",
    "SavedReply",
    "Sensitivity",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketEvent",
    "TicketHold",
    "TicketPresence",
    "TicketStatus",
    "User",
]
