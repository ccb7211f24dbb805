import * as z from 'zod/mini';

// zod/mini ships without message text ("Invalid input" for everything);
// English messages make validation errors say what is wrong, not just where.
z.config(z.locales.en());
