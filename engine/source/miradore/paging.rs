//! Source: walking the pages of one query in order, a few in flight at once. Stops on
//! `Items@count`, on a short page, and fails on a page that repeats the previous one or on
//! totals that disagree: a fetch is complete, or it is an error.

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::client::{Client, Query};
use super::error::FetchError;
use crate::source::xml::{Page, Record};

/// What the walker hands on: each page's records as it arrives, in page order.
pub struct PageBatch {
    /// The page number.
    pub page: u32,
    /// The raw body, exactly as received, when the walk keeps bodies (for snapshots); otherwise
    /// it is dropped as soon as the page is parsed, so that it takes no room while the page waits.
    pub body: Option<Bytes>,
    /// The records on it.
    pub records: Vec<Record>,
}

/// Walks every page of `query`, sending each page's records (and its body, with `keep_bodies`)
/// to `out` in order. Returns the number of devices read.
pub async fn walk(
    client: &Client,
    query: &Query,
    first_contact: bool,
    keep_bodies: bool,
    out: &mpsc::Sender<PageBatch>,
) -> Result<u64, FetchError> {
    let kept = |body: Bytes| keep_bodies.then_some(body);
    let name = query.kind.name();
    let rows = u64::from(query.rows.max(1));
    let (body, first) = client.page(query, 1, first_contact).await?;
    let announced = first.total;
    let mut check = Check { previous_ids: Vec::new(), received: 0, name, announced };
    let first_len = first.records.len() as u64;
    check.page(1, &first)?;
    if out.send(PageBatch { page: 1, body: kept(body), records: first.records }).await.is_err() {
        return Ok(check.received);
    }
    if first_len < rows {
        return check.finish(announced);
    }
    let concurrency = client.settings().concurrency.max(1);
    match announced {
        Some(total) => {
            let pages = total.div_ceil(rows).max(1) as u32;
            let mut stream = futures_util::stream::iter(2..=pages)
                .map(|page| async move { (page, client.page(query, page, false).await) })
                .buffered(concurrency);
            while let Some((page, result)) = stream.next().await {
                let (body, parsed) = result?;
                check.page(page, &parsed)?;
                let short = (parsed.records.len() as u64) < rows;
                if out.send(PageBatch { page, body: kept(body), records: parsed.records }).await.is_err() {
                    return Ok(check.received);
                }
                if short {
                    break;
                }
            }
        }
        None => {
            // No total announced: one page after another until a short page.
            let mut page = 2;
            loop {
                let (body, parsed) = client.page(query, page, false).await?;
                check.page(page, &parsed)?;
                let short = (parsed.records.len() as u64) < rows;
                if out.send(PageBatch { page, body: kept(body), records: parsed.records }).await.is_err() || short {
                    break;
                }
                page += 1;
            }
        }
    }
    check.finish(announced)
}

struct Check {
    previous_ids: Vec<String>,
    received: u64,
    name: &'static str,
    announced: Option<u64>,
}

impl Check {
    fn page(&mut self, page: u32, parsed: &Page) -> Result<(), FetchError> {
        let ids: Vec<String> = parsed
            .records
            .iter()
            .map(|record| record.get("ID").and_then(|id| id.as_str()).unwrap_or_default().to_string())
            .collect();
        if page > 1 && !ids.is_empty() && ids == self.previous_ids {
            return Err(FetchError::RepeatedPage { query: self.name, page });
        }
        // The site changed during the walk: a device may have been skipped or read twice.
        if let (Some(announced), Some(now)) = (self.announced, parsed.total)
            && now != announced
        {
            return Err(FetchError::CountChanged { query: self.name, page, first: announced, now });
        }
        self.received += ids.len() as u64;
        self.previous_ids = ids;
        Ok(())
    }

    fn finish(&self, announced: Option<u64>) -> Result<u64, FetchError> {
        match announced {
            Some(announced) if announced != self.received => {
                Err(FetchError::CountMismatch { query: self.name, announced, received: self.received })
            }
            _ => Ok(self.received),
        }
    }
}
