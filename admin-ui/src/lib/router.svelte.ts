/** The one-page app's location; links push history entries. */
export const route = $state<{ path: string }>({ path: location.pathname });

export function navigate(path: string): void {
  if (path === route.path) return;
  history.pushState({}, '', path);
  route.path = path;
}

window.addEventListener('popstate', () => {
  route.path = location.pathname;
});
