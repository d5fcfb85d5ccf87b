use std::future::Future;

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

use super::cursor::{Cursor, ListId};
use crate::errors::coded;

/// Largest page a client may ask for (the services' limit too).
pub(crate) const MAX_PAGE: usize = 100;
/// Page size when `first` is not given.
pub(crate) const DEFAULT_PAGE: usize = 20;
/// Most service calls one connection makes (services may answer short pages).
const MAX_FETCHES: usize = 4;

/// One page of a service's list: `{"items":[…],"nextCursor":"…"|null}`, the
/// services' own type, so an in-process reply is handed over as it is.
pub(crate) use golmok_kernel::ListPage;

/// Forward paging arguments, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageRequest {
    list: ListId,
    first: usize,
    after: Option<Cursor>,
}

impl PageRequest {
    /// Paging through `list`: `after` must be a cursor this list gave out.
    pub(crate) fn new(
        list: ListId,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<PageRequest> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) => usize::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    coded(
                        "INVALID_ARGUMENT",
                        format!("first must be between 1 and {MAX_PAGE}, not {n}"),
                    )
                })?,
        };
        let after = after
            .map(|text| {
                // The gateway's cursors never skip more than one service page.
                Cursor::decode(&text, &list)
                    .filter(|cursor| cursor.skip <= MAX_PAGE)
                    .ok_or_else(|| {
                        coded(
                            "INVALID_CURSOR",
                            "after is not a cursor from this connection",
                        )
                    })
            })
            .transpose()?;
        Ok(PageRequest { list, first, after })
    }

    /// Complexity of a connection field: its children once per item asked for.
    pub(crate) fn complexity(first: Option<i32>, child_complexity: usize) -> usize {
        let items = first.map_or(DEFAULT_PAGE, |n| {
            usize::try_from(n).map_or(1, |n| n.clamp(1, MAX_PAGE))
        });
        1 + items * child_complexity.max(1)
    }
}

/// Builds a Relay connection from a service list paged with `first`/`after`.
///
/// Every edge gets its own cursor, so paging may resume after any edge: a
/// cursor names where the service's page began and how many items of it to
/// skip. `fetch(first, after)` asks the service for one page.
pub(crate) async fn page<T, N, E, F, Fut>(
    request: PageRequest,
    mut fetch: F,
    node: impl Fn(T) -> N,
) -> Result<Connection<String, N>, E>
where
    N: OutputType,
    F: FnMut(usize, Option<String>) -> Fut,
    Fut: Future<Output = Result<ListPage<T>, E>>,
{
    let start = request.after.clone().unwrap_or_default();
    let wanted = start.skip + request.first;
    let mut resume = start.resume.clone();
    let mut gathered: Vec<(Cursor, T)> = Vec::with_capacity(wanted.min(MAX_PAGE));
    let mut service_has_more;
    let mut fetches = 0;
    loop {
        fetches += 1;
        let ask = (wanted - gathered.len()).min(MAX_PAGE);
        let page = fetch(ask, resume.clone()).await?;
        let count = page.items.len();
        for (index, item) in page.items.into_iter().enumerate() {
            let cursor = match &page.next_cursor {
                Some(next) if index + 1 == count => Cursor {
                    resume: Some(next.clone()),
                    skip: 0,
                },
                _ => Cursor {
                    resume: resume.clone(),
                    skip: index + 1,
                },
            };
            gathered.push((cursor, item));
        }
        service_has_more = page.next_cursor.is_some();
        if gathered.len() >= wanted || !service_has_more || count == 0 || fetches == MAX_FETCHES {
            break;
        }
        resume = page.next_cursor;
    }
    let has_next_page = gathered.len() > wanted || service_has_more;
    let mut connection = Connection::new(request.after.is_some(), has_next_page);
    connection.edges.extend(
        gathered
            .into_iter()
            .skip(start.skip)
            .take(request.first)
            .map(|(cursor, item)| Edge::new(cursor.encode(&request.list), node(item))),
    );
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::errors::code_of;

    /// A service list of `total` numbers whose cursor is the next index and
    /// whose pages never exceed `max_page`.
    struct FakeList {
        total: usize,
        max_page: usize,
        calls: RefCell<Vec<(usize, Option<String>)>>,
    }

    impl FakeList {
        fn new(total: usize, max_page: usize) -> FakeList {
            FakeList {
                total,
                max_page,
                calls: RefCell::new(Vec::new()),
            }
        }

        async fn fetch(
            &self,
            first: usize,
            after: Option<String>,
        ) -> Result<ListPage<usize>, String> {
            self.calls.borrow_mut().push((first, after.clone()));
            let from: usize = after.map_or(0, |a| a.parse().unwrap());
            let to = (from + first.min(self.max_page)).min(self.total);
            Ok(ListPage {
                items: (from..to).collect(),
                next_cursor: (to < self.total).then(|| to.to_string()),
            })
        }

        async fn connection(&self, first: i32, after: Option<String>) -> Connection<String, i32> {
            let request = PageRequest::new(list_id(), Some(first), after).unwrap();
            page(request, |f, a| self.fetch(f, a), |n| n as i32)
                .await
                .unwrap()
        }
    }

    fn list_id() -> ListId {
        ListId::new("numbers", "")
    }

    fn nodes(connection: &Connection<String, i32>) -> Vec<i32> {
        connection.edges.iter().map(|e| e.node).collect()
    }

    #[tokio::test]
    async fn paging_with_end_cursors_walks_the_whole_list_once() {
        let list = FakeList::new(7, 100);
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let connection = list.connection(3, after.clone()).await;
            seen.extend(nodes(&connection));
            assert_eq!(connection.has_previous_page, after.is_some());
            if !connection.has_next_page {
                break;
            }
            after = Some(connection.edges.last().unwrap().cursor.clone());
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert_eq!(list.calls.borrow().len(), 3, "one service call per page");
    }

    #[tokio::test]
    async fn paging_resumes_after_any_edge() {
        let list = FakeList::new(10, 100);
        let first_page = list.connection(5, None).await;
        let middle = first_page.edges[1].cursor.clone();
        assert_eq!(
            nodes(&list.connection(3, Some(middle)).await),
            vec![2, 3, 4]
        );
    }

    #[tokio::test]
    async fn short_service_pages_are_followed() {
        let list = FakeList::new(10, 3);
        let connection = list.connection(8, None).await;
        assert_eq!(nodes(&connection), (0..8).collect::<Vec<_>>());
        assert!(connection.has_next_page);
        let rest = list
            .connection(8, Some(connection.edges.last().unwrap().cursor.clone()))
            .await;
        assert_eq!(nodes(&rest), vec![8, 9]);
        assert!(!rest.has_next_page);
    }

    #[tokio::test]
    async fn a_service_answering_tiny_pages_is_asked_a_bounded_number_of_times() {
        let list = FakeList::new(50, 1);
        let connection = list.connection(10, None).await;
        assert_eq!(nodes(&connection), vec![0, 1, 2, 3]);
        assert!(connection.has_next_page);
        assert_eq!(list.calls.borrow().len(), MAX_FETCHES);
        let rest = list
            .connection(10, Some(connection.edges.last().unwrap().cursor.clone()))
            .await;
        assert_eq!(nodes(&rest), vec![4, 5, 6, 7]);
    }

    #[tokio::test]
    async fn an_empty_list_is_an_empty_connection() {
        let list = FakeList::new(0, 100);
        let connection = list.connection(5, None).await;
        assert!(connection.edges.is_empty());
        assert!(!connection.has_next_page && !connection.has_previous_page);
    }

    #[test]
    fn page_sizes_outside_one_to_a_hundred_are_refused() {
        for first in [0, -1, 101] {
            let error = PageRequest::new(list_id(), Some(first), None).unwrap_err();
            assert_eq!(code_of(&error).as_deref(), Some("INVALID_ARGUMENT"));
        }
        assert!(PageRequest::new(list_id(), Some(100), None).is_ok());
        let forged = Cursor {
            resume: None,
            skip: MAX_PAGE + 1,
        };
        let elsewhere = Cursor::default().encode(&ListId::new("another", ""));
        for cursor in ["garbage".to_owned(), forged.encode(&list_id()), elsewhere] {
            let error = PageRequest::new(list_id(), None, Some(cursor)).unwrap_err();
            assert_eq!(code_of(&error).as_deref(), Some("INVALID_CURSOR"));
        }
    }

    #[test]
    fn complexity_grows_with_the_page_size() {
        assert_eq!(PageRequest::complexity(Some(10), 3), 31);
        assert_eq!(PageRequest::complexity(None, 3), 61);
        assert_eq!(PageRequest::complexity(Some(5000), 1), 101);
    }
}
