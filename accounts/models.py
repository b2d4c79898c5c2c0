import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.roles import COORDINATORS_GROUP


def new_secret() -> str:
    """Return a long random URL-safe secret (feed tokens, API tokens)."""
    return secrets.token_urlsafe(32)


class Sector(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    EARLY_YEARS = "early_years", "Early years"
    VOLUNTARY_COMMUNITY = "voluntary_community", "Voluntary and community"
    HOUSING = "housing", "Housing"
    PROBATION = "probation", "Probation"
    OTHER = "other", "Other"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Lower-case the whole address: people type their work email in many ways."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address; everyone is a practitioner."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the admin (coordinators)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person first proved they own the email."
    )
    feed_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_secret,
        help_text="Secret in the personal and trainer calendar feed URLs.",
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)
    external_trainer = models.BooleanField(
        default=False,
        help_text="A trainer commissioned from outside the partnership; shown as external.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def sort_name(self) -> str:
        """Surname first, for registers sorted by surname."""
        parts = self.full_name.rsplit(" ", 1)
        return f"{parts[-1]}, {parts[0]}" if len(parts) == 2 else self.full_name

    @cached_property
    def is_coordinator(self) -> bool:
        if self.is_superuser:
            return True
        return self.groups.filter(name=COORDINATORS_GROUP).exists()

    @cached_property
    def is_trainer(self) -> bool:
        return self.trained_sessions.exists()

    @property
    def roles(self) -> list[str]:
        roles = ["practitioner"]
        if self.is_trainer:
            roles.append("trainer")
        if self.is_coordinator:
            roles.append("coordinator")
        return roles


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="First characters, to recognise a token."
    )
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_active(self, now) -> bool:
        """Not revoked and not expired at ``now``: the one statement of when a token works."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
