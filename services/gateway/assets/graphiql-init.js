// Renders GraphiQL against this gateway. Served from the gateway itself, so
// the page needs no inline script and no network beyond this origin.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var defaultQuery = [
    "# Welcome to the Golmok GraphQL API.",
    "#",
    "# Public reads need no token. For the rest, mint one:",
    "#   golmok token --role merchant --merchant <uuid>",
    "# and add it under Headers below:",
    '#   {"Authorization": "Bearer <token>"}',
    "",
    "query Directory {",
    "  merchants(first: 5) {",
    "    edges { cursor node { id name district heritage { badge status } } }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
    "",
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
    })
  );
})();
