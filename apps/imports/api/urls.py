from django.urls import path

from apps.imports.api import views

urlpatterns = [
    path("template", views.TemplateView.as_view(), name="import-template"),
    path("upload", views.UploadView.as_view(), name="import-upload"),
    path("preview", views.PreviewView.as_view(), name="import-preview"),
    path("prepare", views.PrepareView.as_view(), name="import-prepare"),
    path("commit", views.CommitView.as_view(), name="import-commit"),
    path("jobs/<int:job_id>", views.JobView.as_view(), name="import-job"),
    path("batches", views.BatchListView.as_view(), name="import-batches"),
    path("batches/<int:batch_id>", views.BatchDetailView.as_view(), name="import-batch"),
    path("batches/<int:batch_id>/items", views.BatchItemsView.as_view(), name="import-batch-items"),
    path("batches/<int:batch_id>/errors.csv", views.BatchErrorsView.as_view(), name="import-batch-errors"),
    path("batches/<int:batch_id>/rollback", views.BatchRollbackView.as_view(), name="import-batch-rollback"),
]
