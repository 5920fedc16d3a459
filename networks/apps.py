from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"
    verbose_name = "Peer learning networks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from networks import integration

        integration.register()
