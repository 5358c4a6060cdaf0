/**
 * The blog: a sub-app with its own routes, route names and error handler.
 * `app.ts` includes it under `/blog`; it knows nothing of that prefix.
 */
import { EchoNext, escapeHtml, html, NotFound } from 'echonext';

interface Post {
  readonly slug: string;
  readonly title: string;
  readonly body: string;
}

const posts: readonly Post[] = [
  { slug: 'hello-tsgi', title: 'Hello, TSGI', body: 'One contract between servers and apps.' },
  { slug: 'modules', title: 'Modules', body: 'A sub-app runs alone or inside a monolith.' },
];

/** The blog sub-app. Its route names are `blog:index` and `blog:post` in the app that includes it. */
export const blog = new EchoNext({ namespace: 'blog' });

blog.get(
  '/',
  (request) => {
    const items = posts
      .map((post) => {
        const href = blog.urlFor('post', { slug: post.slug }, request);
        return `<li><a href="${escapeHtml(href)}">${escapeHtml(post.title)}</a></li>`;
      })
      .join('');
    return html(`<h1>Blog</h1><ul>${items}</ul>`);
  },
  { name: 'index' },
);

blog.get(
  '/{slug}',
  (request) => {
    const post = posts.find((candidate) => candidate.slug === request.params.slug);
    if (post === undefined) throw new NotFound(`there is no post ${request.params.slug}`);
    return { slug: post.slug, title: post.title, body: post.body };
  },
  { name: 'post' },
);

// The blog's own 404 page, for its routes and for unknown paths under its prefix. A handler
// that returns a Response sets its status itself; one that returns a string or an object gets
// the error's status.
blog.onError(NotFound, (error) =>
  html(`<h1>Not in the blog</h1><p>${escapeHtml(error.message)}</p>`, { status: 404 }),
);
