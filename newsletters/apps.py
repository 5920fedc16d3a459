from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registrations with hub (data rights, demo seeder, search) and anymail's tracking signal receiver live in
        # newsletters.integration once it exists; imported lazily so a partial checkout still starts.
        try:
            from newsletters import integration
        except ImportError:  # pragma: no cover - integration arrives with the subscriber work
            return
        integration.register()
