"""Hub models: people (user, profile), organisations (provinces, municipalities, SALGA offices), expertise taxonomy,
verified email domains and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """South Africa's official languages (ISO 639 codes; SASL since 2023)."""

    AFRIKAANS = "af", _("Afrikaans")
    ENGLISH = "en", _("English")
    ISINDEBELE = "nr", _("isiNdebele")
    ISIXHOSA = "xh", _("isiXhosa")
    ISIZULU = "zu", _("isiZulu")
    SEPEDI = "nso", _("Sepedi")
    SESOTHO = "st", _("Sesotho")
    SETSWANA = "tn", _("Setswana")
    SISWATI = "ss", _("siSwati")
    TSHIVENDA = "ve", _("Tshivenḓa")
    XITSONGA = "ts", _("Xitsonga")
    SIGN_LANGUAGE = "sfs", _("South African Sign Language")


class Function(models.TextChoices):
    """What a person does in local government (their role in their organisation, not a permission)."""

    MUNICIPAL_MANAGER = "municipal_manager", _("Municipal manager")
    CFO = "cfo", _("Chief financial officer")
    SECTION_56_MANAGER = "senior_manager", _("Senior manager (section 56)")
    CORPORATE_SERVICES = "corporate_services", _("Corporate services")
    LED_OFFICER = "led_officer", _("LED officer")
    IDP_MANAGER = "idp_manager", _("IDP / planning manager")
    TECHNICAL_SERVICES = "technical_services", _("Technical services / engineer")
    ICT_MANAGER = "ict_manager", _("ICT manager")
    DISASTER_MANAGEMENT = "disaster_management", _("Disaster management")
    COMMUNITY_SERVICES = "community_services", _("Community services")
    MAYOR = "mayor", _("Mayor / executive mayor")
    SPEAKER = "speaker", _("Speaker")
    COUNCILLOR = "councillor", _("Councillor")
    SALGA_STAFF = "salga_staff", _("SALGA staff")
    RESEARCHER = "researcher", _("Researcher / academic")
    OTHER = "other", _("Other")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Email is the log-in; it is unique regardless of case."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use Django admin"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    is_former_member = models.BooleanField(
        _("former member"), default=False, help_text=_("The account was deleted; the row remains for attribution.")
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="hub_user_email_unique_ci")]
        permissions = [
            ("assign_roles", "Can assign global roles to people"),
            ("verify_officials", "Can verify municipal officials"),
            ("view_internal_content", "Can see SALGA-internal content"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.is_former_member:
            return str(_("Former member"))
        return self.full_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


def user_display(user: User) -> str:
    return user.display_name


class Province(models.Model):
    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def districts(self) -> MunicipalityQuerySet:
        return self.filter(category=Municipality.Category.DISTRICT)

    def metros(self) -> MunicipalityQuerySet:
        return self.filter(category=Municipality.Category.METRO)

    def locals(self) -> MunicipalityQuerySet:
        return self.filter(category=Municipality.Category.LOCAL)


class Municipality(models.Model):
    """One of the 257 municipalities (Municipal Demarcation Board 2016 boundaries)."""

    class Category(models.TextChoices):
        METRO = "A", _("Metropolitan municipality")
        LOCAL = "B", _("Local municipality")
        DISTRICT = "C", _("District municipality")

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=1, choices=Category.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities")
    district = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_municipalities",
        limit_choices_to={"category": "C"},
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("municipalities")
        constraints = [
            models.CheckConstraint(
                condition=Q(category="B", district__isnull=False) | Q(~Q(category="B"), district__isnull=True),
                name="hub_municipality_only_locals_have_a_district",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        suffix = {
            self.Category.METRO: _("Metropolitan Municipality"),
            self.Category.LOCAL: _("Local Municipality"),
            self.Category.DISTRICT: _("District Municipality"),
        }[self.Category(self.category)]
        if self.name.startswith("City of"):
            return self.name
        return f"{self.name} {suffix}"

    def get_absolute_url(self) -> str:
        return reverse("hub:municipality_detail", kwargs={"code": self.code})


class Organisation(models.Model):
    """Where a person works: a municipality, a SALGA office, or another organisation an administrator adds."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        SALGA = "salga", _("SALGA office")
        OTHER = "other", _("Other organisation")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="organisation"
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    is_national_office = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="municipality", municipality__isnull=False)
                | Q(~Q(kind="municipality"), municipality__isnull=True),
                name="hub_organisation_municipality_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_salga(self) -> bool:
        return self.kind == self.Kind.SALGA


class ExpertiseArea(models.Model):
    """Admin-managed taxonomy of what people know about (MFMA compliance, LED, water services...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VerifiedEmailDomain(models.Model):
    """An email domain whose verified addresses prove affiliation with an organisation (e.g. capetown.gov.za)."""

    domain = models.CharField(max_length=253, unique=True, help_text=_("For example capetown.gov.za"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="email_domains")

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class ProfileQuerySet(models.QuerySet["Profile"]):
    def active(self) -> ProfileQuerySet:
        return self.filter(user__is_active=True, user__is_former_member=False)

    def in_directory(self) -> ProfileQuerySet:
        return self.active().filter(listed_in_directory=True)

    def experts(self) -> ProfileQuerySet:
        return self.active().filter(available_as_expert=True)

    def visible_to(self, user: Any) -> ProfileQuerySet:
        """Profiles a user may see in directories: opted-in people, and only for signed-in members."""
        from hub.permissions import is_member

        if not is_member(user):
            return self.none()
        return self.active().filter(Q(listed_in_directory=True) | Q(available_as_expert=True))


class Profile(models.Model):
    """What a person tells the hub about themselves. Directory listing and expert availability are opt-in."""

    class Affiliation(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        PENDING = "pending", _("Waiting for SALGA to verify")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Not confirmed")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="profiles"
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    function = models.CharField(_("function"), max_length=32, choices=Function.choices, blank=True)
    bio = models.TextField(_("short bio"), max_length=600, blank=True)
    expertise = models.ManyToManyField(ExpertiseArea, blank=True, related_name="profiles")
    languages = ArrayField(
        models.CharField(max_length=3, choices=Language.choices), default=list, blank=True, size=12
    )
    listed_in_directory = models.BooleanField(_("list me in the member directory"), default=False)
    available_as_expert = models.BooleanField(_("I am available to advise peers"), default=False)
    affiliation_status = models.CharField(
        max_length=12, choices=Affiliation.choices, default=Affiliation.UNVERIFIED
    )
    affiliation_note = models.CharField(max_length=500, blank=True)
    affiliation_requested_at = models.DateTimeField(null=True, blank=True)
    affiliation_verified_at = models.DateTimeField(null=True, blank=True)
    affiliation_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["listed_in_directory"], name="hub_profile_directory_idx"),
            models.Index(fields=["available_as_expert"], name="hub_profile_expert_idx"),
            models.Index(fields=["affiliation_status"], name="hub_profile_affiliation_idx"),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def municipality(self) -> Municipality | None:
        return self.organisation.municipality if self.organisation_id and self.organisation else None

    @property
    def is_affiliation_verified(self) -> bool:
        return self.affiliation_status == self.Affiliation.VERIFIED

    def language_labels(self) -> list[str]:
        labels = dict(Language.choices)
        return [str(labels.get(code, code)) for code in self.languages]


class ContactMessage(models.Model):
    """Metadata of a "contact this person" email, kept to rate-limit senders. The message text is not stored."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["sender", "created_at"], name="hub_contact_sender_idx")]


class AuditEntry(models.Model):
    """One staff action: who did what to which object, when, with before/after values where useful."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"], name="hub_audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"
