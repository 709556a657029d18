import { messagingEntities } from '@chatty/db'

import { AuditEntry } from './entities/audit-entry.entity.js'
import { Comment } from './entities/comment.entity.js'
import { Email } from './entities/email.entity.js'
import { Post } from './entities/post.entity.js'
import { Report } from './entities/report.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [User, Email, Post, Comment, Report, AuditEntry, ...messagingEntities]

export { migrations }
