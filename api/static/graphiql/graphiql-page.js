/*
 * The GraphiQL page of community-payroll (served from /static/graphiql/).
 *
 * What strawberry's page does, without anything from outside the service:
 * GraphiQL with the explorer plugin, fetching from this service's /graphql.
 * The settings come from the page (#graphiql-config, written by the service):
 * the endpoint, the example tabs, and each tab's bilingual title.
 *
 * GraphiQL names a tab after its operation ("FindWorker"), and operation names
 * are ASCII; the example tabs are shown with their titles instead
 * ("查找工作者 / Find a worker").  The title replaces the text of the tab's
 * button, and only that text node's value, so React's own later updates (when
 * the operation is renamed) still apply.
 *
 * A link may carry ?query=…&variables=… to open a document (not a token: the
 * Headers tab keeps it in this browser only).
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  const parameters = new URLSearchParams(window.location.search);

  function showTitles(root) {
    for (const button of root.querySelectorAll(".graphiql-tab-button")) {
      const text = button.firstChild;
      if (button.childNodes.length !== 1 || text.nodeType !== Node.TEXT_NODE) continue;
      const title = Object.prototype.hasOwnProperty.call(config.titles, text.nodeValue)
        ? config.titles[text.nodeValue] : null;
      if (title) {
        button.title = `${title} (${text.nodeValue})`;
        text.nodeValue = title;
      }
    }
  }

  const container = document.getElementById("graphiql");
  new MutationObserver(() => showTitles(container)).observe(container, {
    childList: true, subtree: true, characterData: true,
  });

  const props = {
    fetcher: GraphiQL.createFetcher({ url: config.endpoint }),
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultTabs: config.tabs,
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  };
  if (parameters.get("query")) {
    props.query = parameters.get("query");
    props.variables = parameters.get("variables") || undefined;
  }
  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
})();
