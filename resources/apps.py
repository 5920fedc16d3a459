from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resource centre"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from resources import browse_cache, integration

        integration.register()
        browse_cache.connect_signals()
