/*
 * sw.js: keeps the courses a member chose to read offline (tollgate-member.js registers it
 * only when the member asks, never for a visitor who did not).
 *
 * The build writes this file at the site root with the site's root path and a build id that
 * changes with every deploy that changes a file. A new build id is a new service worker: it
 * fetches every course kept offline again into its own cache, then drops the old caches.
 *
 * Only the addresses a member made available offline are answered from the cache, and only
 * when the network fails: online, the network answers and refreshes the kept copy.
 */

const BUILD = "__TOLLGATE_BUILD__";
const ROOT = "__TOLLGATE_ROOT__";
const PREFIX = "tollgate-offline-";
const CACHE = PREFIX + BUILD;
/** Where the list of each kept course's addresses is stored, inside the cache. */
const INDEX = new URL(ROOT + "__tollgate-offline__/", self.location.origin).href;

function listResponse(list) {
  return new Response(JSON.stringify(list), { headers: { "Content-Type": "application/json" } });
}

/** Fetches `urls` into `cache`; an address that fails keeps its copy from `fallback` if any. */
async function fill(cache, urls, fallback) {
  let cached = 0;
  const failed = [];
  for (const url of urls) {
    try {
      const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
      if (!response.ok) throw new Error(`${response.status}`);
      await cache.put(url, response);
      cached += 1;
    } catch {
      const old = fallback ? await fallback.match(url) : undefined;
      if (old) {
        await cache.put(url, old);
        cached += 1;
      } else {
        failed.push(url);
      }
    }
  }
  return { cached, failed };
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const target = await caches.open(CACHE);
      for (const name of await caches.keys()) {
        if (!name.startsWith(PREFIX) || name === CACHE) continue;
        const old = await caches.open(name);
        for (const request of await old.keys()) {
          if (!request.url.startsWith(INDEX)) continue;
          const list = await (await old.match(request)).json();
          await fill(target, list.urls, old);
          await target.put(request.url, listResponse(list));
        }
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (value) => port && port.postMessage(value);
  if (data.type === "keep-course" && typeof data.course === "string" && Array.isArray(data.urls)) {
    const urls = data.urls.filter((url) => typeof url === "string" && new URL(url, self.location.origin).origin === self.location.origin);
    event.waitUntil(
      (async () => {
        const cache = await caches.open(CACHE);
        const result = await fill(cache, urls, null);
        await cache.put(INDEX + encodeURIComponent(data.course), listResponse({ course: data.course, urls }));
        reply({ build: BUILD, ...result });
      })().catch((error) => reply({ error: String(error) })),
    );
  } else if (data.type === "build") {
    reply({ build: BUILD });
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const kept = await cache.match(request, { ignoreVary: true });
      if (!kept) return fetch(request);
      try {
        const fresh = await fetch(request);
        if (fresh.ok && fresh.type === "basic") await cache.put(request, fresh.clone());
        return fresh;
      } catch {
        return kept;
      }
    })(),
  );
});
