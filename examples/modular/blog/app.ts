/**
 * The blog module: posts, read and written as JSON. It does not know whether
 * it runs alone or inside a monolith, nor under which prefix.
 */
import { EchoNext, json, NotFound } from 'echonext';

interface Post {
  readonly id: number;
  readonly title: string;
}

/** Builds the blog module. Each call makes a fresh app, so one process can hold several. */
export function createBlog(): EchoNext {
  const blog = new EchoNext({ namespace: 'blog' });
  let posts: Map<number, Post> = new Map();

  blog.onStartup(() => {
    posts = new Map([[1, { id: 1, title: 'Hello, modules' }]]);
  });

  // The module's own middleware: only its routes get this header.
  blog.use(async (request, next) => {
    const response = await next(request);
    response.setHeader('x-module', 'blog');
    return response;
  });

  blog.get(
    '/',
    (request) => ({
      posts: [...posts.values()].map((post) => ({
        ...post,
        url: blog.urlFor('post', { post_id: post.id }, request),
      })),
    }),
    { name: 'index' },
  );

  blog.get(
    '/posts/{post_id:int}',
    (request) => {
      const post = posts.get(request.params.post_id);
      if (post === undefined) throw new NotFound(`no post ${request.params.post_id}`);
      return post;
    },
    { name: 'post' },
  );

  blog.post('/posts', async (request) => {
    const { title } = await request.json<{ title: string }>();
    const post = { id: posts.size + 1, title: String(title) };
    posts.set(post.id, post);
    const location = blog.urlFor('post', { post_id: post.id }, request);
    return json(post, { status: 201, headers: { location } });
  });

  // The module's own error format.
  blog.onError(NotFound, (error) => ({ module: 'blog', error: error.message }));

  return blog;
}
