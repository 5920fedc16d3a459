from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "LG Knowledge Hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import registry, search_providers, signals  # noqa: F401  (connects auth-event logging)

        registry.register_search_provider(search_providers.MunicipalitySearchProvider())
        registry.register_search_provider(search_providers.PeopleSearchProvider())
        registry.register_search_provider(search_providers.ExpertSearchProvider())
