// The bot's words, which a user project's reports must not hold (issue 22's list).
export const BOT_WORDS_PATTERN = /\b(position|layer|fix plan|effectiveness|signal|sync|settlement|exchange)/i;
