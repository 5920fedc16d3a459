"""factory_boy factories and role helpers used across the test suite."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from hub.models import ExpertiseArea, Municipality, Organisation, Profile, User
from hub.roles import GROUP_ROLES, Role

ROLE_NAMES = [role.value for role in Role]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password-123")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Verified email by default (a member); pass verified=False for an unverified account."""
        if not create:
            return
        EmailAddress.objects.update_or_create(
            user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
        )
        obj.save()


class ExpertiseAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertiseArea
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Expertise {n}")
    slug = factory.Sequence(lambda n: f"expertise-{n}")


def municipality(code: str = "CPT") -> Municipality:
    return Municipality.objects.get(code=code)


def organisation_for(code: str = "CPT") -> Organisation:
    return Organisation.objects.get(municipality__code=code)


class ProfileFactory(factory.django.DjangoModelFactory):
    """Fills the profile that the user already has (created on first use)."""

    class Meta:
        model = Profile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    job_title = "Manager: Local Economic Development"
    function = "led_officer"


def make_user_with_role(role: str, **user_fields) -> User | None:
    """A saved user holding exactly `role`; None for a visitor."""
    if role == Role.VISITOR:
        return None
    if role == "unverified":
        return UserFactory(verified=False, **user_fields)
    user = UserFactory(**user_fields)
    profile, _ = Profile.objects.get_or_create(user=user)
    if role == Role.MUNICIPAL_OFFICIAL:
        profile.organisation = organisation_for("CPT")
        profile.affiliation_status = Profile.Affiliation.VERIFIED
        profile.save()
    elif role in GROUP_ROLES:
        user.groups.add(Group.objects.get(name=GROUP_ROLES[role]))
        if role == Role.SITE_ADMINISTRATOR:
            # As hub.services.roles.set_roles does: site administrators may use Django admin.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        else:
            profile.organisation = Organisation.objects.get(kind="salga", is_national_office=True)
            profile.save()
    return user
