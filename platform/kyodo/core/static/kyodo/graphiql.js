// GraphiQL on /graphql/ (kyodo/api/graphiql.py): the session's cookies and its CSRF token go with every request.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = root.dataset.endpoint;
  var csrfToken = root.dataset.csrfToken;
  // Headers typed into GraphiQL's "Headers" tab (e.g. a vendor's bearer token in debug mode) go along too.
  function fetcher(params, options) {
    var headers = Object.assign({"Content-Type": "application/json", "Accept": "application/json",
                                 "X-CSRFToken": csrfToken}, (options && options.headers) || {});
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(params)
    }).then(function (response) { return response.json(); });
  }
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {fetcher: fetcher, defaultEditorToolsVisibility: true}));
})();
