"""Registration, login, and the users resource."""

from __future__ import annotations

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from core.auth import Passwords, Principal, TokenRejected, Tokens, forbidden
from core.db import Database
from core.errors import EmailTaken, InvalidCredentials, NotFound
from core.logs import LoginFailure, bind_operation, log_login_failed, log_token_rejected
from core.models import User
from core.pagination import decode_cursor, make_page
from core.schemas import Page, PageQuery, TokenPublic, TokenRequest, UserPublic, UserRegister, UserUpdate


def register_user(data: UserRegister, *, db: Database, passwords: Passwords) -> UserPublic:
    """Create a customer; the email must not be taken, even by a deactivated user."""
    password_hash = passwords.hash(data.password)
    try:
        with db.write() as session:
            if _find_by_email(session, data.email) is not None:
                raise EmailTaken()
            user = User(email=data.email, name=data.name, password_hash=password_hash, role="customer")
            session.add(user)
            session.flush()
            return UserPublic.model_validate(user)
    except exc.IntegrityError:
        # Another request registered the same email between our check and our insert.
        raise EmailTaken() from None


def issue_token(data: TokenRequest, *, db: Database, passwords: Passwords, tokens: Tokens) -> TokenPublic:
    """Exchange email and password for an access token; one answer for every kind of failure
    (the security log says which)."""
    with db.read() as session:
        user = _find_by_email(session, data.email)
    valid = passwords.verify(user.password_hash if user else None, data.password)
    if user is None or not valid or not user.is_active:
        reason: LoginFailure = (
            "unknown_email" if user is None else "wrong_password" if not valid else "inactive_user"
        )
        log_login_failed(data.email, reason)
        raise InvalidCredentials()
    return TokenPublic(access_token=tokens.issue(user.id, user.role), expires_in=tokens.ttl_seconds)


def authenticate(authorization: str | None, *, operation_id: str, db: Database, tokens: Tokens) -> Principal:
    """The caller behind a Bearer token, with the role stored now; 401 if gone or inactive.

    Every front end's access check calls this for each protected operation, naming it by its
    OpenAPI operationId: the security events of the request (a refused token here, a 403 later)
    carry it."""
    bind_operation(operation_id)
    try:
        user_id = tokens.user_id_from_header(authorization)
        with db.read() as session:
            user = session.get(User, user_id)
            if user is None:
                raise TokenRejected("unknown_user", user_id)
            if not user.is_active:
                raise TokenRejected("inactive_user", user_id)
            return Principal(user_id=user.id, role=user.role)
    except TokenRejected as rejected:
        log_token_rejected(rejected.reason, rejected.user_id)
        raise


def require_admin(actor: Principal) -> Principal:
    if not actor.is_admin:
        raise forbidden(actor)
    return actor


def read_user(user_id: int, *, db: Database, actor: Principal) -> UserPublic:
    with db.read() as session:
        return UserPublic.model_validate(_visible_user(session, user_id, actor))


def list_users(query: PageQuery, *, db: Database) -> Page[UserPublic]:
    """Active users by id; admin only (checked by the route)."""
    after = decode_cursor(query.cursor)
    statement = select(User).where(User.is_active).order_by(User.id).limit(query.limit + 1)
    if after is not None:
        statement = statement.where(User.id > after)
    with db.read() as session:
        users = list(session.scalars(statement))
    return make_page([UserPublic.model_validate(user) for user in users], query.limit)


def update_user(
    user_id: int, data: UserUpdate, *, db: Database, actor: Principal, passwords: Passwords
) -> UserPublic:
    changes = data.model_dump(exclude={"password"})
    password_hash = passwords.hash(data.password) if isinstance(data.password, str) else None
    with db.write() as session:
        user = _visible_user(session, user_id, actor)
        if "role" in changes and not actor.is_admin:
            raise forbidden(actor, "Only an admin may change a role")
        for field, value in changes.items():
            setattr(user, field, value)
        if password_hash is not None:
            user.password_hash = password_hash
        session.flush()
        return UserPublic.model_validate(user)


def deactivate_user(user_id: int, *, db: Database, actor: Principal) -> None:
    """Soft delete: orders are kept, the email stays taken, tokens stop working."""
    with db.write() as session:
        user = _visible_user(session, user_id, actor)
        user.is_active = False


def ensure_admin(email: str, password: str, name: str, *, db: Database, passwords: Passwords) -> None:
    """Create the bootstrap admin unless that email exists (safe to race between workers)."""
    email = email.strip().lower()
    try:
        with db.write() as session:
            if _find_by_email(session, email) is None:
                session.add(
                    User(email=email, name=name, password_hash=passwords.hash(password), role="admin")
                )
    except exc.IntegrityError:
        pass  # another worker created it first


def _find_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def _visible_user(session: Session, user_id: int, actor: Principal) -> User:
    """Self or admin may see a user; anyone else, and everyone for a deactivated user, gets 404."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or (user.id != actor.user_id and not actor.is_admin):
        raise NotFound()
    return user
