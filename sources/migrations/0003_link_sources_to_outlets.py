"""Give every existing source an outlet, matched by domain as new sources are.

Sources on one domain (or its subdomains) share an outlet, named after the
first outlet name seen for it; any other name a source gave it is noted in
the outlet's description, so nothing an editor typed is lost. Reversible: going back
copies each outlet's name onto its sources.
"""

from django.db import migrations
from django.utils.text import slugify


def _host(url):
    host = url.split("/")[2].split(":")[0].lower()
    return host.removeprefix("www.")


def _candidates(host):
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def link_outlets(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    Outlet = apps.get_model("sources", "Outlet")
    OutletDomain = apps.get_model("sources", "OutletDomain")
    by_domain = {d.domain: d.outlet_id for d in OutletDomain.objects.all()}
    slugs = set(Outlet.objects.values_list("slug", flat=True))
    aliases = {}
    for source in Source.objects.filter(outlet__isnull=True).order_by("pk"):
        host = _host(source.url)
        outlet_id = next((by_domain[c] for c in _candidates(host) if c in by_domain), None)
        if outlet_id is None:
            base = slugify(source.outlet_name)[:90] or "outlet"
            slug, n = base, 2
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs.add(slug)
            outlet_id = Outlet.objects.create(name=source.outlet_name, slug=slug).pk
            OutletDomain.objects.create(outlet_id=outlet_id, domain=host)
            by_domain[host] = outlet_id
        else:
            outlet = Outlet.objects.get(pk=outlet_id)
            if source.outlet_name not in (outlet.name, *aliases.get(outlet_id, ())):
                # Another name for the same outlet: kept where editors will see it.
                aliases.setdefault(outlet_id, []).append(source.outlet_name)
                outlet.description = (
                    outlet.description + f"\nAlso cited as: {source.outlet_name}"
                ).strip()
                outlet.save(update_fields=["description"])
        source.outlet_id = outlet_id
        source.save(update_fields=["outlet"])


def copy_names_back(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    for source in Source.objects.select_related("outlet"):
        source.outlet_name = source.outlet.name
        source.save(update_fields=["outlet_name"])


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_outlets_and_link_health")]

    operations = [migrations.RunPython(link_outlets, copy_names_back)]
