//! `multipart/form-data` bodies, read whole with `multer` (the parser behind axum's own
//! `Multipart`): what a browser sends for a form with a file input (the audience page,
//! html/consent_audience.rs), and where the CSRF check of security.rs finds the token of
//! such a form, before the handler reads the same bytes again.

use axum::body::Bytes;

/// One field of a multipart form.
pub struct Field {
    pub name: String,
    /// The file's name, for a file input.
    pub filename: Option<String>,
    pub data: Bytes,
}

/// Whether a Content-Type is `multipart/form-data`; its boundary if so.
pub fn boundary(content_type: &str) -> Option<String> {
    multer::parse_boundary(content_type).ok()
}

/// The fields of a body; None when it is not well formed.
pub async fn fields(boundary: &str, body: Bytes) -> Option<Vec<Field>> {
    let stream = futures_util::stream::once(async { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = form.next_field().await.ok()? {
        let name = field.name()?.to_string();
        let filename = field.file_name().map(str::to_string);
        out.push(Field {
            name,
            filename,
            data: field.bytes().await.ok()?,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_browsers_form_with_a_file_reads_back() {
        let b = boundary("multipart/form-data; boundary=----x1").unwrap();
        assert_eq!(b, "----x1");
        let body = Bytes::from_static(b"------x1\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n------x1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\r\na@uni.nl\r\n\r\n------x1--\r\n");
        let f = fields(&b, body).await.unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].name.as_str(), &f[0].data[..]), ("csrf", &b"abc"[..]));
        assert_eq!(f[1].filename.as_deref(), Some("a.csv"));
        assert_eq!(&f[1].data[..], b"email\r\na@uni.nl\r\n");
        assert!(boundary("application/x-www-form-urlencoded").is_none());
        let broken = Bytes::from_static(b"------x1\r\nbroken");
        assert!(fields(&b, broken).await.is_none());
    }
}
