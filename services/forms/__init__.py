"""Forms: the FormInstance lifecycle, uploads, the forms section, the review, PDFs."""
