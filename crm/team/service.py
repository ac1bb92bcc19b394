"""Domain operations on the team: invite, accept, change a role, deactivate, reactivate.

Each public function validates, writes, audits (crm.audit) and commits; emails are queued in
the same transaction and dispatched after the commit. Two rules hold whatever the order of
requests: nobody deactivates themselves, and there is always an active admin.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from crm import audit, clock
from crm.auth.emails import link, queue_account_email
from crm.auth.service import (
    end_other_sessions,
    find_user,
    new_user,
    normalized_email,
    revoke_all_tokens,
)
from crm.errors import Conflict, DomainError, InvalidInput, NotFound
from crm.extensions import db
from crm.models import ROLES, Invitation, User
from crm.team import handover
from crm.url_tokens import keyed_digest, new_url_token
from outreach.dispatch import dispatch_emails
from outreach.meeting_times import describe

INVITATION_LIFETIME = timedelta(days=7)
TOKEN_LENGTH_LIMIT = 100


# --- reading -------------------------------------------------------------------------------


def members() -> list[User]:
    """Everyone who has an account: active people first, then by name."""
    return list(db.session.scalars(select(User).order_by(
        case((User.is_active_user, 0), else_=1), User.name, User.id)))


def open_invitations() -> list[Invitation]:
    """Invitations not yet accepted or cancelled (expired ones too: they can be renewed)."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .order_by(Invitation.invited_at.desc(), Invitation.id.desc())))


def successors_for(user: User) -> list[User]:
    """Who can take over the user's partners and calls: every other active user."""
    return list(db.session.scalars(select(User).where(
        User.is_active_user, User.id != user.id).order_by(User.name, User.id)))


def load_member(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user #{user_id}.")
    return user


# --- invitations ---------------------------------------------------------------------------


def invite(email: str, role: str, actor: User) -> Invitation:
    """Email someone a link to join as `role`; inviting a pending address again renews it."""
    fields = {}
    try:
        email = normalized_email(email)
    except InvalidInput as error:
        fields.update(error.fields)
    if role not in ROLES:
        fields["role"] = f"must be one of {', '.join(ROLES)}"
    if not fields and find_user(email) is not None:
        fields["email"] = f"{email} already has an account"
    if fields:
        raise InvalidInput("The invitation was not sent.", fields)
    token, now = new_url_token(), clock.now()
    values = {"role": role, "invited_by_id": actor.id, "token_hash": keyed_digest(token),
              "invited_at": now, "expires_at": now + INVITATION_LIFETIME}
    invitation = _open_invitation(email)
    renewed = invitation is not None
    if invitation is None:
        invitation = Invitation(email=email, **values)
        db.session.add(invitation)
    else:
        for name, value in values.items():
            setattr(invitation, name, value)
    audit.record("user.invited", actor, email,
                 f"as {role}{' (renewed)' if renewed else ''}; the link works until "
                 f"{describe(invitation.expires_at, 'UTC')}")
    row = _invitation_email(invitation, token, actor)
    try:
        db.session.commit()
    except IntegrityError:  # the same address invited twice at once: one of them wins
        db.session.rollback()
        raise Conflict(f"{email} was just invited by someone else.",
                       {"email": "was just invited; reload the page"}) from None
    dispatch_emails([row.id])
    return invitation


def _open_invitation(email: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(
        Invitation.email == email, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)))


def _invitation_email(invitation: Invitation, token: str, actor: User):
    return queue_account_email(
        invitation.email, "", f"{actor.name} invited you to Rapport",
        [f"{actor.name} invited you to join the team on Rapport as {_a(invitation.role)}. "
         "Choose your name and password here:",
         f"The link works once, until {describe(invitation.expires_at, 'UTC')}. "
         f"If you did not expect this, ignore this email."],
        link(f"/join/{token}"))


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def cancel_invitation(invitation: Invitation, actor: User) -> None:
    """Make a pending invitation's link stop working."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    invitation.revoked_at = clock.now()
    audit.record("invitation.cancelled", actor, invitation.email)
    db.session.commit()


def invitation_for_token(token: str) -> Invitation | None:
    """The open, unexpired invitation behind a secret, or None."""
    if not token or len(token) > TOKEN_LENGTH_LIMIT:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == keyed_digest(token)))
    return invitation if invitation is not None and _is_open(invitation) else None


def _is_open(invitation: Invitation) -> bool:
    return (invitation.accepted_at is None and invitation.revoked_at is None
            and invitation.expires_at > clock.now())


def accept(invitation: Invitation, name: str, password: str, timezone: str) -> User:
    """The invitee sets up their account; the link stops working. Returns the new user."""
    if not _is_open(invitation):
        raise NotFound("This invitation is no longer valid.")
    if find_user(invitation.email) is not None:
        raise Conflict(f"{invitation.email} already has an account: sign in instead.")
    try:
        user = new_user(invitation.email, password, name, invitation.role, timezone)
    except DomainError:
        db.session.rollback()
        raise
    # Conditional, so the same link submitted twice at once makes one account.
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > clock.now())
        .values(accepted_at=clock.now(), accepted_user_id=user.id)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise NotFound("This invitation is no longer valid.")
    inviter = invitation.invited_by.name if invitation.invited_by else "Rapport"
    audit.record("invitation.accepted", user, user.email,
                 f"as {invitation.role}, invited by {inviter}")
    db.session.commit()
    return user


# --- roles and deactivation ----------------------------------------------------------------


def change_role(user: User, role: str, actor: User) -> None:
    """Make the user an admin or a manager; the last active admin stays one."""
    if role not in ROLES:
        raise InvalidInput("Unknown role.", {"role": f"must be one of {', '.join(ROLES)}"})
    if role == user.role:
        return
    if user.role == "admin":
        _keep_an_admin(user, f"{user.name} is the last active admin; make someone else an "
                             "admin first.")
    before, user.role = user.role, role
    audit.record("user.role_changed", actor, user.email, f"{before} → {role}")
    db.session.commit()


def _keep_an_admin(user: User, message: str) -> None:
    """Refuse when the user is the only active admin.

    The active admins' rows are locked first (PostgreSQL), so two admins demoting or
    deactivating each other at the same moment cannot both succeed.
    """
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.is_active_user)
        .order_by(User.id).with_for_update()).all()
    if user.is_active_user and set(admins) <= {user.id}:
        raise InvalidInput(message, {"role": "the last active admin"})


def deactivate(user: User, successor: User | None, actor: User) -> handover.Summary:
    """Hand everything the user owns to `successor`, then lock them out, all in one commit.

    Their sessions, remember-me cookies, API tokens and calendar URL stop working at once.
    """
    if user.id == actor.id:
        raise InvalidInput("You cannot deactivate yourself; another admin can.",
                           {"user": "is you"})
    if not user.is_active_user:
        raise InvalidInput(f"{user.name} is already deactivated.", {"user": "is deactivated"})
    owned = handover.owned_by(user)
    _check_successor(user, successor, owned)
    _keep_an_admin(user, f"{user.name} is the last active admin; make someone else an admin "
                         "first.")
    summary = (handover.hand_over(user, successor, actor) if successor is not None
               else handover.Summary(owned))
    user.is_active_user, user.deactivated_at = False, clock.now()
    end_other_sessions(user)
    tokens = revoke_all_tokens(user)
    user.calendar_token_hash = None
    detail = f"handed {summary.describe()} to {successor.email}" if successor else "owned nothing"
    audit.record("user.deactivated", actor, user.email,
                 f"{detail}; {tokens} API token{'' if tokens == 1 else 's'} revoked")
    db.session.commit()
    dispatch_emails(summary.outbox_ids)
    return summary


def _check_successor(user: User, successor: User | None, owned: dict[str, int]) -> None:
    if successor is None:
        if any(owned.values()):
            raise InvalidInput(
                f"Choose who takes over {user.name}'s partners, follow-ups and calls.",
                {"successor_id": "is required: they own "
                                 f"{handover.Summary(owned).describe()}"})
        return
    if successor.id == user.id or not successor.is_active_user:
        raise InvalidInput("Hand over to another active user.",
                           {"successor_id": "must be another active user"})


def reactivate(user: User, actor: User) -> None:
    """Let a deactivated user sign in again (with new sessions; old tokens stay revoked)."""
    if user.is_active_user:
        return
    user.is_active_user, user.deactivated_at = True, None
    audit.record("user.reactivated", actor, user.email)
    db.session.commit()
