"""Entries are written unsealed and sealed by the sealer (docs/audit.md, "Sealing"); the hash now covers the
organization and the actor. Existing entries keep their version-1 hashes (hash_version=1)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0005_membership_unique_id_org'),
        ('audit', '0002_hash_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='operationlog',
            name='actor_ref',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='operationlog',
            name='content_hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='operationlog',
            name='hash_version',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name='operationlog',
            name='hash_version',
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AlterField(
            model_name='operationlog',
            name='sequence',
            field=models.PositiveBigIntegerField(blank=True, default=None, null=True),
        ),
        migrations.AddIndex(
            model_name='operationlog',
            index=models.Index(condition=models.Q(('sequence__isnull', True)), fields=['chain', 'id'], name='oplog_unsealed'),
        ),
    ]
