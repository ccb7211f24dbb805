import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships without message text ("Invalid input" for everything);
// English messages make validation errors say what is wrong, not just where.
// Imported by its own path: the `z.locales` namespace would bundle every locale.
z.config(en());
